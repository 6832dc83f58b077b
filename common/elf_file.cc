#include "common/elf_file.h"

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

namespace pm {

namespace {

/// One program header: a segment of the file.
struct Segment {
  std::uint32_t type;
  std::uint64_t offset;
  std::uint64_t size;
};

template <typename Header, typename ProgramHeader>
std::optional<std::vector<Segment>> read_segments(std::ifstream& file) {
  Header header{};
  file.seekg(0);
  if (!file.read(reinterpret_cast<char*>(&header), sizeof header)) return std::nullopt;
  std::vector<Segment> segments;
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    ProgramHeader program{};
    file.seekg(static_cast<std::streamoff>(header.e_phoff + i * header.e_phentsize));
    if (!file.read(reinterpret_cast<char*>(&program), sizeof program)) return std::nullopt;
    segments.push_back({program.p_type, program.p_offset, program.p_filesz});
  }
  return segments;
}

/// The segments of the ELF file at `path`; nullopt when it is not one, or
/// cannot be read.
std::optional<std::vector<Segment>> segments_of(const std::string& path, std::ifstream& file) {
  file.open(path, std::ios::binary);
  unsigned char ident[EI_NIDENT] = {};
  if (!file.read(reinterpret_cast<char*>(ident), EI_NIDENT) ||
      std::memcmp(ident, ELFMAG, SELFMAG) != 0)
    return std::nullopt;
  if (ident[EI_CLASS] == ELFCLASS64) return read_segments<Elf64_Ehdr, Elf64_Phdr>(file);
  if (ident[EI_CLASS] == ELFCLASS32) return read_segments<Elf32_Ehdr, Elf32_Phdr>(file);
  return std::nullopt;
}

/// Whether the notes in `notes` (a PT_NOTE segment) include Go's build id.
bool has_go_build_id(const std::vector<char>& notes) {
  // The note of cmd/link: owner "Go", type 4 (its ELF_NOTE_GOBUILDID_TAG).
  constexpr std::uint32_t kGoBuildId = 4;
  auto aligned = [](std::size_t size) { return (size + 3) & ~std::size_t{3}; };
  std::size_t at = 0;
  while (at + sizeof(Elf64_Nhdr) <= notes.size()) {
    Elf64_Nhdr note{};  // the same three words in 32-bit files
    std::memcpy(&note, notes.data() + at, sizeof note);
    std::size_t name_at = at + sizeof note;
    if (name_at + note.n_namesz > notes.size()) return false;
    if (note.n_namesz >= 2 && std::memcmp(notes.data() + name_at, "Go", 2) == 0 &&
        (note.n_namesz == 2 || notes[name_at + 2] == '\0') && note.n_type == kGoBuildId)
      return true;
    at = name_at + aligned(note.n_namesz) + aligned(note.n_descsz);
  }
  return false;
}

}  // namespace

bool is_statically_linked(const std::string& path) {
  std::ifstream file;
  auto segments = segments_of(path, file);
  if (!segments) return false;
  for (const Segment& segment : *segments)
    if (segment.type == PT_INTERP) return false;
  return true;
}

bool is_go_program(const std::string& path) {
  // Notes are small; more than this is not a note segment Go wrote.
  constexpr std::uint64_t kMaxNotes = 64 << 10;
  std::ifstream file;
  auto segments = segments_of(path, file);
  if (!segments) return false;
  for (const Segment& segment : *segments) {
    if (segment.type != PT_NOTE || segment.size > kMaxNotes) continue;
    std::vector<char> notes(segment.size);
    file.seekg(static_cast<std::streamoff>(segment.offset));
    if (file.read(notes.data(), static_cast<std::streamsize>(notes.size())) &&
        has_go_build_id(notes))
      return true;
  }
  return false;
}

}  // namespace pm
