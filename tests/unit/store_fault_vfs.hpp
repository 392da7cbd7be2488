#pragma once

// A SQLite VFS over the default one that can make every write and sync fail, the way a full,
// read-only or failing disk does. Permission bits cannot do this here: tests may run as root,
// and an already open file stays writable whatever its mode becomes.
namespace runbookd::testing {

// Registers the VFS (once) and returns its name, for store::OpenOptions::vfs.
const char* FaultVfsName();

// While true, xWrite/xTruncate/xSync of every file opened through the VFS fail with SQLITE_IOERR.
void SetStoreWritesFail(bool fail);

}  // namespace runbookd::testing
