# Silences (maintenance windows): the store's operations and the SilenceBook (matcher syntax and
# semantics, validation, expiry, reload). The API is driven in integration_approvals_api.
runbookd_add_test(unit_silences LABEL unit SOURCES unit/silences_store_test.cpp unit/silence_book_test.cpp
                  LIBS runbookd_gates runbookd_store spdlog::spdlog)
