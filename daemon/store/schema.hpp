#pragma once

#include <cstdint>
#include <span>

// The store's schema as a list of migrations. Migration N takes a database from user_version N-1
// to N; they are applied in order, in one transaction, when the store is opened. Never edit a
// released migration: add a new one.
namespace runbookd::store::schema {

// PRAGMA application_id of every runbookd store: "RBKD".
inline constexpr int32_t kApplicationId = 0x52424B44;

struct Migration {
  int version;
  const char* sql;
};

std::span<const Migration> Migrations();
int CurrentVersion();

}  // namespace runbookd::store::schema
