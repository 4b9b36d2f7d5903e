// writeFileAtomically: replace a file's contents so that a crash at any point leaves either the
// old or the new contents, never a mix: write a temporary file next to it, fsync it, rename it
// over the target, fsync the directory (so the rename itself is durable).
#pragma once
#include <filesystem>
#include <string_view>

#include "support/expected.h"

namespace ciliumc {

Expected<bool> writeFileAtomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace ciliumc
