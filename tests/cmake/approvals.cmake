# Approvals: the store's operations and the ApprovalBook (quorum, first deny, expiry, invalidation,
# reload), then the API and runbookctl against the real daemon.
runbookd_add_test(unit_approvals LABEL unit SOURCES unit/approvals_store_test.cpp unit/approval_book_test.cpp
                  LIBS runbookd_gates runbookd_store spdlog::spdlog)
runbookd_add_test(integration_approvals_api LABEL integration SOURCES integration/approvals_api_test.cpp
                          integration/silences_api_test.cpp
                  LIBS runbookd_store Boost::json)
add_dependencies(integration_approvals_api runbookd runbookctl)
