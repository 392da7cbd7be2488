# The redis probe: RESP, INFO replication, error mapping and the probe against scripted servers
# (unit); the probe against real redis-server 7 processes on loopback (e2e).
runbookd_add_test(unit_redis_probe LABEL unit
                  SOURCES unit/redis_resp_test.cpp unit/redis_replication_test.cpp unit/redis_error_test.cpp
                          unit/redis_config_test.cpp unit/redis_probe_test.cpp
                  LIBS runbookd_probe_redis)
runbookd_add_test(e2e_redis_probe LABEL e2e SOURCES e2e/redis_probe_e2e_test.cpp support/redis_server.cpp
                  LIBS runbookd_probe_redis)
