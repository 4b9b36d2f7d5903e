// Reading a BPF ELF object in the back end's tests without loading it: maps and programs as
// libbpf sees them (bpf_object__open_mem), symbols and section bytes as libelf sees them, and
// the BTF of functions (parameter names, linkage).
#pragma once
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gelf.h>
#include <libelf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ciliumc::testing {

struct MapInfo {
  unsigned type = 0;
  uint32_t maxEntries = 0, keySize = 0, valueSize = 0, flags = 0;
};

struct FunctionBtf {
  int linkage = -1;                     // BTF_FUNC_STATIC / BTF_FUNC_GLOBAL
  std::vector<std::string> parameters;  // names ("" = unnamed)
};

struct ObjectInfo {
  std::string error;                          // non-empty: libbpf could not open it
  std::string libbpfLog;                      // everything libbpf printed while opening
  std::map<std::string, MapInfo> maps;        // by name
  std::map<std::string, std::string> programs;  // name -> section
  std::map<std::string, FunctionBtf> functions;  // BTF FUNC by name
};

inline std::string& libbpfMessages() {
  static thread_local std::string messages;
  return messages;
}

inline int collectLibbpfMessage(enum libbpf_print_level, const char* format, va_list args) {
  char* text = nullptr;
  if (vasprintf(&text, format, args) >= 0) {
    libbpfMessages() += text;
    free(text);
  }
  return 0;
}

// Opens (never loads) an object with libbpf and lists what it found.
inline ObjectInfo inspectObject(std::span<const uint8_t> elf) {
  ObjectInfo info;
  libbpfMessages().clear();
  auto previous = libbpf_set_print(collectLibbpfMessage);
  LIBBPF_OPTS(bpf_object_open_opts, options, .object_name = "inspected");
  bpf_object* object = bpf_object__open_mem(elf.data(), elf.size(), &options);
  libbpf_set_print(previous);
  info.libbpfLog = libbpfMessages();
  if (!object) {
    info.error = "bpf_object__open_mem failed: " + std::string(strerror(errno));
    return info;
  }
  bpf_map* map;
  bpf_object__for_each_map(map, object) {
    info.maps[bpf_map__name(map)] = {unsigned(bpf_map__type(map)), bpf_map__max_entries(map),
                                     bpf_map__key_size(map), bpf_map__value_size(map),
                                     bpf_map__map_flags(map)};
  }
  bpf_program* program;
  bpf_object__for_each_program(program, object) {
    info.programs[bpf_program__name(program)] = bpf_program__section_name(program);
  }
  if (const btf* types = bpf_object__btf(object)) {
    for (uint32_t id = 1; id < btf__type_cnt(types); ++id) {
      const btf_type* type = btf__type_by_id(types, id);
      if (!btf_is_func(type)) continue;
      FunctionBtf function;
      function.linkage = btf_vlen(type);  // a FUNC's vlen holds its linkage
      const btf_type* prototype = btf__type_by_id(types, type->type);
      const btf_param* parameters = btf_params(prototype);
      for (int i = 0; i < btf_vlen(prototype); ++i)
        function.parameters.push_back(btf__name_by_offset(types, parameters[i].name_off));
      info.functions[btf__name_by_offset(types, type->name_off)] = function;
    }
  }
  bpf_object__close(object);
  return info;
}

struct ElfSymbol {
  std::string name;
  std::string section;
  int type = 0;     // STT_*
  int binding = 0;  // STB_*
  uint64_t value = 0;       // st_value: offset inside its section
  uint64_t fileOffset = 0;  // of its bytes (PROGBITS sections)
  uint64_t size = 0;
};

struct ElfInfo {
  std::vector<std::string> sections;
  std::map<std::string, ElfSymbol> symbols;
};

inline ElfInfo inspectElf(std::span<const uint8_t> image) {
  ElfInfo info;
  elf_version(EV_CURRENT);
  std::vector<uint8_t> scratch(image.begin(), image.end());
  Elf* elf = elf_memory(reinterpret_cast<char*>(scratch.data()), scratch.size());
  if (!elf) return info;
  size_t namesIndex = 0;
  elf_getshdrstrndx(elf, &namesIndex);
  std::vector<GElf_Shdr> headers(1);
  for (Elf_Scn* section = elf_nextscn(elf, nullptr); section; section = elf_nextscn(elf, section)) {
    GElf_Shdr header;
    gelf_getshdr(section, &header);
    headers.push_back(header);
    info.sections.push_back(elf_strptr(elf, namesIndex, header.sh_name));
  }
  for (Elf_Scn* section = elf_nextscn(elf, nullptr); section; section = elf_nextscn(elf, section)) {
    GElf_Shdr header;
    gelf_getshdr(section, &header);
    if (header.sh_type != SHT_SYMTAB) continue;
    Elf_Data* data = elf_getdata(section, nullptr);
    for (size_t i = 0; i < header.sh_size / header.sh_entsize; ++i) {
      GElf_Sym symbol;
      gelf_getsym(data, int(i), &symbol);
      ElfSymbol entry;
      entry.name = elf_strptr(elf, header.sh_link, symbol.st_name);
      if (entry.name.empty()) continue;
      entry.type = GELF_ST_TYPE(symbol.st_info);
      entry.binding = GELF_ST_BIND(symbol.st_info);
      entry.size = symbol.st_size;
      entry.value = symbol.st_value;
      if (symbol.st_shndx > 0 && symbol.st_shndx < headers.size()) {
        entry.section = info.sections[symbol.st_shndx - 1];
        entry.fileOffset = headers[symbol.st_shndx].sh_offset + symbol.st_value;
      }
      info.symbols[entry.name] = entry;
    }
  }
  elf_end(elf);
  return info;
}

}  // namespace ciliumc::testing
