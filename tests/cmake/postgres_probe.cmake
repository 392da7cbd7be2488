# The postgres probe: its pure parts and its deadlines (unit), and against a real PostgreSQL 15
# started in a temp dir (e2e).

add_library(runbookd_test_postgres STATIC support/postgres_server.cpp)
target_link_libraries(runbookd_test_postgres PUBLIC runbookd_test_support PkgConfig::LIBPQ)

runbookd_add_test(unit_postgres_probe LABEL unit SOURCES unit/postgres_probe_test.cpp LIBS runbookd_probe_postgres)
runbookd_add_test(e2e_postgres_probe LABEL e2e SOURCES e2e/postgres_probe_e2e_test.cpp
                  LIBS runbookd_probe_postgres runbookd_test_postgres)
