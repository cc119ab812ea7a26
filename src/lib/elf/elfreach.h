/* SPDX-License-Identifier: MIT */
#pragma once
#include <gelf.h>
#include <stddef.h>
#include "util/strv.h"

/*
 * Which imports of an x86-64 shared library can be reached from the functions other objects use.
 * A library such as libselinux imports mount() for code a program like sed never calls; counting
 * every import of every library would flag it. Internal to elfscan.c.
 *
 * The code is cut into regions at every function start known (symbols, call and jump targets,
 * addresses taken) and a region is reachable from a root through direct calls/jumps, rip-relative
 * references (call *GOT, mov GOT, lea), PLT stubs, and falling through into the next region when
 * the current one's end is not known from a sized symbol. Roots: the exported functions other
 * objects import, DT_INIT/DT_FINI, every code address stored in data (R_X86_64_RELATIVE/IRELATIVE
 * addends: init arrays, function-pointer tables), and every imported function stored in data
 * (R_X86_64_64). Byte patterns, not a disassembler: stray matches only add edges (more imports
 * kept), never remove one.
 *
 * 0 with the reachable imported names in out (unique), -ENOTSUP when the object cannot be
 * analysed this way (caller keeps every import), -ENOMEM.
 */
int hd_elf_reachable_imports(Elf *elf, const unsigned char *buf, size_t len, const hd_strv *roots, hd_strv *out);

/* How many entries of type t a section's data holds, with that data in *data (NULL, and 0 entries, when
 * the section has no data or libelf does not know the entry size). Shared with elfscan.c. */
size_t hd_elf_section_entries(Elf *elf, Elf_Scn *scn, Elf_Type t, Elf_Data **data);
