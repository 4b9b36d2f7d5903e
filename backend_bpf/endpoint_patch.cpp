// patchEndpointConfig: find `ciliumc_endpoint` in the symbol table with libelf, then overwrite
// its bytes at (section file offset + symbol value) in a copy of the image. libelf only reads
// (a scratch copy); every other byte of the result is the compiler's.
#include <gelf.h>
#include <libelf.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "backend_bpf/codegen.h"
#include "backend_bpf/generated_names.h"

namespace ciliumc {
namespace {

struct ElfCloser {
  void operator()(Elf* elf) const { elf_end(elf); }
};

struct SymbolLocation {
  uint64_t fileOffset = 0;
  uint64_t size = 0;
};

Expected<SymbolLocation> locateSymbol(Elf* elf, std::string_view name, size_t imageSize) {
  size_t stringsIndex = 0;
  if (elf_getshdrstrndx(elf, &stringsIndex) != 0) return Error("ELF: no section name table");
  for (Elf_Scn* section = elf_nextscn(elf, nullptr); section; section = elf_nextscn(elf, section)) {
    GElf_Shdr header;
    if (!gelf_getshdr(section, &header) || header.sh_type != SHT_SYMTAB) continue;
    Elf_Data* symbols = elf_getdata(section, nullptr);
    if (!symbols || header.sh_entsize == 0) return Error("ELF: unreadable symbol table");
    size_t count = header.sh_size / header.sh_entsize;
    for (size_t i = 0; i < count; ++i) {
      GElf_Sym symbol;
      if (!gelf_getsym(symbols, int(i), &symbol)) continue;
      const char* symbolName = elf_strptr(elf, header.sh_link, symbol.st_name);
      if (!symbolName || name != symbolName) continue;
      Elf_Scn* home = elf_getscn(elf, symbol.st_shndx);
      GElf_Shdr homeHeader;
      if (symbol.st_shndx == SHN_UNDEF || !home || !gelf_getshdr(home, &homeHeader))
        return Error("ELF: symbol " + std::string(name) + " is not defined in a section");
      if (homeHeader.sh_type != SHT_PROGBITS)
        return Error("ELF: symbol " + std::string(name) + " lives in a section without file contents");
      if (symbol.st_value + symbol.st_size > homeHeader.sh_size ||
          homeHeader.sh_offset + homeHeader.sh_size > imageSize)
        return Error("ELF: symbol " + std::string(name) + " lies outside its section");
      return SymbolLocation{homeHeader.sh_offset + symbol.st_value, symbol.st_size};
    }
  }
  return Error("ELF: no symbol " + std::string(name));
}

}  // namespace

Expected<std::vector<uint8_t>> patchEndpointConfig(std::span<const uint8_t> image,
                                                   const ciliumc_endpoint_config& config) {
  if (elf_version(EV_CURRENT) == EV_NONE) return Error("libelf: version mismatch");
  // elf_memory wants a mutable buffer and may convert it in place: give it a scratch copy.
  std::vector<uint8_t> scratch(image.begin(), image.end());
  std::unique_ptr<Elf, ElfCloser> elf(
      elf_memory(reinterpret_cast<char*>(scratch.data()), scratch.size()));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF)
    return Error("not an ELF object: " + std::string(elf_errmsg(-1)));
  auto location = locateSymbol(elf.get(), bpfnames::kEndpointConfig, scratch.size());
  if (!location) return location.error();
  if (location->size != sizeof config)
    return Error("ELF: " + std::string(bpfnames::kEndpointConfig) + " has " +
                 std::to_string(location->size) + " bytes, struct ciliumc_endpoint_config " +
                 std::to_string(sizeof config));
  std::vector<uint8_t> patched(image.begin(), image.end());
  std::memcpy(patched.data() + location->fileOffset, &config, sizeof config);
  return patched;
}

}  // namespace ciliumc
