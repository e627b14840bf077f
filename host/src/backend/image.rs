//! The artifact's initial memory, and the proof that rewriting it turns a used instance
//! back into a fresh one.
//!
//! A fresh instance is its module's state after instantiation: memory holding the data
//! segments over zeros, globals at their initial values, tables holding the element
//! segments. An instance whose exports all returned normally differs from a fresh one only
//! in memory's bytes, and in its size when it grew, when the module
//! - changes no table (no `table.set`, `table.grow`, `table.fill`, `table.copy`,
//!   `table.init`, `elem.drop`) and no segment (`memory.init`, `data.drop`),
//! - has one mutable global at most, the shadow stack pointer, which the code moves down
//!   on entry to a function and back on its return, so a call that returns leaves it
//!   where it found it,
//! - and imports no memory, table or global, and has no start function.
//!
//! [`FreshMemory::of`] checks all of this on the artifact's bytes, so a node reuses
//! instances only while the artifact keeps these properties; an artifact that breaks one
//! is instantiated afresh for every session, as before.
//!
//! Rewriting all of the initial memory costs more than the rest of a small session. The
//! guest's allocator therefore hands out its heap (from `__heap_base` up) in steps and
//! keeps the end of what it handed out at the address its `heap_top` global exports: the
//! bytes above it are still the zeros the last reset left, so only memory below it is
//! rewritten. Below the mark, the range its `heap_hole` global points at (two `u32`s, start
//! and end) was not written either: the part of the EVM stacks' first chunk that no stack
//! reached, which is most of it. That is a promise of the guest's code (its allocator hands
//! out nothing above the mark, nothing writes outside what was handed out, and no stack
//! writes past the hole's start), not something the bytes show; a module without both
//! heap globals, or a mark outside the heap, gets the whole initial memory rewritten, and
//! one without `heap_hole`, or a hole outside what lies between the heap's start and its
//! mark, gets everything below the mark rewritten.
//!
//! Memory never shrinks, so an instance whose memory grew keeps its size. The guest does not
//! see it: it counts the pages it grew itself at the address its `grown_pages` global
//! exports, hands out addresses only below the initial memory's end plus those, and grows the
//! real memory only past what is there (`memory.grow` fails at the same cap, since the memory
//! it asks for is the same). A reset zeroes the pages the session grew; past them, memory is
//! still the zeros an earlier reset left. A module without `grown_pages`, or whose count runs
//! past the memory's end, is not reset once its memory grew.

use std::ops::Range;
use wasmparser::{DataKind, ExternalKind, Operator, Parser, Payload, TypeRef};

/// Bytes of a Wasm page.
const WASM_PAGE: usize = 1 << 16;

/// The initial memory of a module that an instance can be reset to by rewriting its
/// memory: its size and its data segments.
#[derive(Debug, Clone)]
pub(crate) struct FreshMemory {
    size: usize,
    /// Each segment's destination in memory and its bytes, sorted, not overlapping.
    segments: Vec<(usize, Vec<u8>)>,
    /// Where the guest keeps the end of the heap it wrote, when it says.
    heap: Option<HeapMarks>,
}

/// The heap's start and where the guest keeps its written end, the hole it did not write
/// and the pages it grew (all below the heap, past the data segments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HeapMarks {
    base: usize,
    top_at: usize,
    hole_at: Option<usize>,
    grown_at: Option<usize>,
}

/// What a finished session may have written: memory below `end`, except `hole` (empty, at
/// `end`, when there is none), and the pages it grew, `grown` (empty, at the initial
/// memory's end, when it grew none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    pub(crate) end: usize,
    pub(crate) hole: std::ops::Range<usize>,
    pub(crate) grown: std::ops::Range<usize>,
}

/// Why an instance of a module cannot be reset by rewriting its memory.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NotResettable {
    Malformed(String),
    /// The module imports state, or has a start function.
    Imports,
    /// Not exactly one memory of 32-bit pages.
    Memory,
    /// A data segment is passive, or not at a constant offset inside initial memory.
    Segment,
    /// More than one mutable global.
    Globals,
    /// An instruction that changes a table or a segment.
    Instruction(&'static str),
}

impl FreshMemory {
    /// The initial memory of the embedded artifact, read once per process; `None` when its
    /// instances cannot be reset by rewriting it.
    pub(crate) fn of_artifact() -> Option<&'static FreshMemory> {
        static ARTIFACT: std::sync::OnceLock<Option<FreshMemory>> = std::sync::OnceLock::new();
        ARTIFACT.get_or_init(|| FreshMemory::of(crate::artifact::ARTIFACT).ok()).as_ref()
    }

    /// The initial memory of `wasm`, when its instances can be reset by rewriting it.
    pub(crate) fn of(wasm: &[u8]) -> Result<FreshMemory, NotResettable> {
        let malformed = |e: wasmparser::BinaryReaderError| NotResettable::Malformed(e.to_string());
        let mut size = None;
        let mut segments = Vec::new();
        let mut mutable_globals = 0;
        // Each global's constant initial value, and the globals exported by name.
        let mut global_values = Vec::new();
        let mut exported_globals = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(malformed)? {
                Payload::ImportSection(imports) => {
                    for import in imports.into_imports() {
                        if !matches!(import.map_err(malformed)?.ty, TypeRef::Func(_)) {
                            return Err(NotResettable::Imports);
                        }
                    }
                }
                Payload::StartSection { .. } => return Err(NotResettable::Imports),
                Payload::MemorySection(memories) => {
                    for memory in memories {
                        let memory = memory.map_err(malformed)?;
                        if size.is_some() || memory.memory64 || memory.shared || memory.page_size_log2.is_some() {
                            return Err(NotResettable::Memory);
                        }
                        size = Some(memory.initial as usize * WASM_PAGE);
                    }
                }
                Payload::GlobalSection(globals) => {
                    for global in globals {
                        let global = global.map_err(malformed)?;
                        mutable_globals += usize::from(global.ty.mutable);
                        let value = match global.init_expr.get_operators_reader().read() {
                            Ok(Operator::I32Const { value }) => Some(value as u32 as usize),
                            _ => None,
                        };
                        global_values.push(value);
                    }
                }
                Payload::ExportSection(exports) => {
                    for export in exports {
                        let export = export.map_err(malformed)?;
                        if export.kind == ExternalKind::Global {
                            exported_globals.push((export.name.to_owned(), export.index as usize));
                        }
                    }
                }
                Payload::DataSection(data) => {
                    for segment in data {
                        let segment = segment.map_err(malformed)?;
                        let DataKind::Active { memory_index: 0, offset_expr } = segment.kind else {
                            return Err(NotResettable::Segment);
                        };
                        let mut reader = offset_expr.get_operators_reader();
                        let Ok(Operator::I32Const { value }) = reader.read() else {
                            return Err(NotResettable::Segment);
                        };
                        segments.push((value as u32 as usize, segment.data.to_vec()));
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let mut operators = body.get_operators_reader().map_err(malformed)?;
                    while !operators.eof() {
                        if let Some(name) = changes_table_or_segment(&operators.read().map_err(malformed)?) {
                            return Err(NotResettable::Instruction(name));
                        }
                    }
                }
                _ => {}
            }
        }
        if mutable_globals > 1 {
            return Err(NotResettable::Globals);
        }
        let size = size.ok_or(NotResettable::Memory)?;
        segments.sort_by_key(|(offset, _)| *offset);
        let mut end = 0;
        for (offset, bytes) in &segments {
            if *offset < end || offset + bytes.len() > size {
                return Err(NotResettable::Segment);
            }
            end = offset + bytes.len();
        }
        let global = |name: &str| {
            let (_, index) = exported_globals.iter().find(|(exported, _)| exported == name)?;
            *global_values.get(*index)?
        };
        let below_heap =
            |at: usize, len: usize, base: usize| end <= at && at.checked_add(len).is_some_and(|e| e <= base);
        let heap = match (global("__heap_base"), global("heap_top")) {
            (Some(base), Some(top_at)) if end <= base && below_heap(top_at, 4, base) => {
                let hole_at = global("heap_hole").filter(|hole_at| below_heap(*hole_at, 8, base));
                let grown_at = global("grown_pages").filter(|grown_at| below_heap(*grown_at, 4, base));
                (base <= size).then_some(HeapMarks { base, top_at, hole_at, grown_at })
            }
            _ => None,
        };
        Ok(FreshMemory { size, segments, heap })
    }

    /// What the finished session may have written: memory below the guest's heap mark when
    /// it lies in the heap (the heap's start before the first step), else all of the initial
    /// memory; except the guest's hole when it lies between the heap's start and the mark; and
    /// the pages the guest says it grew. `None` when `memory` grew and the guest does not say
    /// by how much, or says more than there is: it cannot be reset then.
    pub(crate) fn written(&self, memory: &[u8]) -> Option<Written> {
        let grown = self.grown(memory)?;
        let all = Written { end: self.size, hole: self.size..self.size, grown: grown.clone() };
        let Some(HeapMarks { base, top_at, hole_at, .. }) = self.heap else { return Some(all) };
        let end = match word(memory, top_at) {
            0 => base,
            top if (base..=self.size).contains(&top) => top,
            _ => return Some(all),
        };
        let hole = hole_at
            .map(|at| word(memory, at)..word(memory, at + 4))
            .filter(|hole| base <= hole.start && hole.start <= hole.end && hole.end <= end)
            .unwrap_or(end..end);
        Some(Written { end, hole, grown })
    }

    /// The pages past the initial memory the guest says it grew, when it says and they are
    /// there; without the mark, none, unless memory grew.
    fn grown(&self, memory: &[u8]) -> Option<std::ops::Range<usize>> {
        let end = match self.heap.and_then(|heap| heap.grown_at) {
            Some(at) => word(memory, at).checked_mul(WASM_PAGE)?.checked_add(self.size)?,
            None if memory.len() == self.size => self.size,
            None => return None,
        };
        (end <= memory.len()).then_some(self.size..end)
    }

    /// Bytes of memory the session has: the initial memory and the pages it grew itself, not
    /// those an earlier session on the same instance grew, which it never sees.
    pub(crate) fn session_len(&self, memory: &[u8]) -> usize {
        self.grown(memory).map_or(memory.len(), |grown| grown.end)
    }

    /// Where the guest counts the pages it grew.
    #[cfg(test)]
    pub(crate) fn grown_pages_at(&self) -> usize {
        self.heap.and_then(|heap| heap.grown_at).expect("the artifact exports grown_pages")
    }

    /// Bytes of initial memory.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Rewrites `memory` to the initial memory followed by zeros, which the guest cannot tell
    /// from a fresh instance's (it sees only the pages it grows itself); `false` (and nothing
    /// written) when memory grew by pages the guest does not account for. `unwritten`,
    /// sorted, are blocks the session left as they were (the guest's promise for codes the
    /// node served from its own memory, `code_load`): those in the pages it grew are still
    /// zeros and are skipped.
    pub(crate) fn restore(&self, memory: &mut [u8], unwritten: &[Range<usize>]) -> bool {
        let Some(Written { end, hole, grown }) = self.written(memory) else { return false };
        let mut zeroed_to = 0;
        for (offset, bytes) in &self.segments {
            memory[zeroed_to..*offset].fill(0);
            memory[*offset..offset + bytes.len()].copy_from_slice(bytes);
            zeroed_to = offset + bytes.len();
        }
        // The hole lies in the heap, past the segments, and ends at `end` at the latest.
        zero_except(memory, zeroed_to..end, &[hole]);
        // Past the pages the session grew, memory is still the zeros a reset left.
        zero_except(memory, grown, unwritten);
        true
    }

    /// Rewrites all of `memory` (of the initial size) to the initial memory, whatever the
    /// heap mark says: the image a reset must leave.
    #[cfg(test)]
    pub(crate) fn restore_all(&self, memory: &mut [u8]) {
        let whole = FreshMemory { size: self.size, segments: self.segments.clone(), heap: None };
        assert!(whole.restore(memory, &[]));
    }

    /// Where the data segments lie.
    #[cfg(test)]
    fn segment_ranges(&self) -> Vec<Range<usize>> {
        self.segments.iter().map(|(offset, bytes)| *offset..offset + bytes.len()).collect()
    }
}

/// Zeroes `range` of `memory` but for the parts of it in `skipped` (sorted, not overlapping).
fn zero_except(memory: &mut [u8], range: Range<usize>, skipped: &[Range<usize>]) {
    let mut from = range.start;
    for block in skipped {
        let (start, end) = (block.start.clamp(from, range.end), block.end.min(range.end));
        if start < end {
            memory[from..start].fill(0);
            from = end;
        }
    }
    memory[from..range.end].fill(0);
}

/// The little-endian `u32` at `at`.
fn word(memory: &[u8], at: usize) -> usize {
    let mut bytes = [0; 4];
    bytes.copy_from_slice(&memory[at..at + 4]);
    u32::from_le_bytes(bytes) as usize
}

/// The name of `operator` when it changes a table or a segment.
fn changes_table_or_segment(operator: &Operator<'_>) -> Option<&'static str> {
    Some(match operator {
        Operator::TableSet { .. } => "table.set",
        Operator::TableGrow { .. } => "table.grow",
        Operator::TableFill { .. } => "table.fill",
        Operator::TableCopy { .. } => "table.copy",
        Operator::TableInit { .. } => "table.init",
        Operator::ElemDrop { .. } => "elem.drop",
        Operator::MemoryInit { .. } => "memory.init",
        Operator::DataDrop { .. } => "data.drop",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::ARTIFACT;
    use evmpc_abi::limits::GUEST_INITIAL_MEMORY;

    /// The initial memory's size of bytes a session may have written, 0xa5 all, but for the
    /// count of pages it grew: none.
    fn dirty(fresh: &FreshMemory) -> Vec<u8> {
        let mut memory = vec![0xa5; fresh.size()];
        if let Some(at) = fresh.heap.and_then(|heap| heap.grown_at) {
            memory[at..at + 4].fill(0);
        }
        memory
    }

    #[test]
    fn the_artifact_is_reset_by_rewriting_its_memory() {
        let fresh = FreshMemory::of(ARTIFACT).expect("the artifact keeps its state in memory");
        assert_eq!(fresh.size(), GUEST_INITIAL_MEMORY);
        assert!(!fresh.segment_ranges().is_empty());
    }

    #[test]
    fn restore_writes_the_segments_over_zeros() {
        let fresh = FreshMemory::of(ARTIFACT).unwrap();
        let mut memory = dirty(&fresh);
        assert!(fresh.restore(&mut memory, &[]));
        let ranges = fresh.segment_ranges();
        for (i, byte) in memory.iter().enumerate() {
            if !ranges.iter().any(|range| range.contains(&i)) {
                assert_eq!(*byte, 0, "byte {i} outside the segments");
            }
        }
        for (offset, bytes) in &fresh.segments {
            assert_eq!(&memory[*offset..offset + bytes.len()], &bytes[..]);
        }
    }

    #[test]
    fn the_pages_the_session_grew_are_zeroed_and_those_past_them_left() {
        let fresh = FreshMemory::of(ARTIFACT).unwrap();
        let grown_at = fresh.heap.and_then(|heap| heap.grown_at).expect("the artifact exports its grown pages");
        let mut image = vec![0; fresh.size()];
        fresh.restore_all(&mut image);
        let size = fresh.size();
        let grown = |pages: u32| {
            let mut memory = vec![0xa5; size + 3 * WASM_PAGE];
            memory[grown_at..grown_at + 4].copy_from_slice(&pages.to_le_bytes());
            memory
        };
        let mut memory = grown(2);
        assert_eq!(fresh.session_len(&memory), size + 2 * WASM_PAGE, "the session's memory is what it grew");
        assert!(fresh.restore(&mut memory, &[]));
        assert_eq!(memory[..size], image[..], "the initial memory rewritten, the count with it");
        assert!(memory[size..size + 2 * WASM_PAGE].iter().all(|byte| *byte == 0), "its pages zeroed");
        assert!(memory[size + 2 * WASM_PAGE..].iter().all(|byte| *byte == 0xa5), "the rest left");
        assert_eq!(fresh.session_len(&memory), size);

        let mut skipping = grown(2);
        let block = |at: usize, len: usize| size + at..size + at + len;
        let unwritten = [block(0, 0), 10..20, block(100, 50), block(200, 8), block(2 * WASM_PAGE - 4, 64)];
        assert!(fresh.restore(&mut skipping, &unwritten));
        let zeroed: Vec<usize> = (size..size + 2 * WASM_PAGE).filter(|at| skipping[*at] == 0).collect();
        let left = |at: &usize| unwritten[1..].iter().any(|block| block.contains(at));
        assert!(zeroed.iter().all(|at| !left(at)), "the unwritten blocks skipped");
        assert_eq!(zeroed.len(), 2 * WASM_PAGE - 50 - 8 - 4, "everything else zeroed");
        assert_eq!(skipping[..size], image[..], "blocks in the initial memory are rewritten all the same");
        assert!(skipping[size + 2 * WASM_PAGE..].iter().all(|byte| *byte == 0xa5), "nothing past the pages grown");

        let mut past_the_end = grown(4);
        assert_eq!(fresh.session_len(&past_the_end), past_the_end.len());
        assert!(!fresh.restore(&mut past_the_end, &[]), "a count past the memory's end is not trusted");
        assert!(past_the_end == grown(4), "nothing written");
        let mut overflowing = grown(u32::MAX);
        assert!(!fresh.restore(&mut overflowing, &[]));

        let unmarked =
            FreshMemory { heap: fresh.heap.map(|heap| HeapMarks { grown_at: None, ..heap }), ..fresh.clone() };
        let mut memory = grown(2);
        assert!(!unmarked.restore(&mut memory, &[]), "without the count, grown memory is not reset");
        assert!(unmarked.restore(&mut vec![0xa5; size], &[]), "memory that did not grow is");
    }

    #[test]
    fn only_memory_below_the_heap_mark_is_rewritten() {
        let fresh = FreshMemory::of(ARTIFACT).unwrap();
        let HeapMarks { base, top_at, .. } = fresh.heap.expect("the artifact exports its heap marks");
        assert!(fresh.segment_ranges().iter().all(|segment| segment.end <= base));
        let mut image = vec![0; fresh.size()];
        fresh.restore_all(&mut image);
        let mark =
            |memory: &mut [u8], top: usize| memory[top_at..top_at + 4].copy_from_slice(&(top as u32).to_le_bytes());
        for (top, written_end) in [(0, base), (base + 4096, base + 4096), (fresh.size(), fresh.size())] {
            let mut memory = dirty(&fresh);
            mark(&mut memory, top);
            assert!(fresh.restore(&mut memory, &[]));
            assert_eq!(memory[..written_end], image[..written_end], "mark {top}: rewritten below it");
            assert!(memory[written_end..].iter().all(|byte| *byte == 0xa5), "mark {top}: left above it");
        }
        for outside in [base - 16, fresh.size() + 1] {
            let mut memory = dirty(&fresh);
            mark(&mut memory, outside);
            assert!(fresh.restore(&mut memory, &[]));
            assert_eq!(memory, image, "a mark outside the heap ({outside}) rewrites everything");
        }
    }

    #[test]
    fn a_hole_below_the_heap_mark_is_left_as_it_is() {
        let fresh = FreshMemory::of(ARTIFACT).unwrap();
        let HeapMarks { base, top_at, hole_at, .. } = fresh.heap.unwrap();
        let hole_at = hole_at.expect("the artifact exports its heap hole");
        let mut image = vec![0; fresh.size()];
        fresh.restore_all(&mut image);
        let top = base + 8192;
        let marked = |hole: std::ops::Range<usize>| {
            let mut memory = dirty(&fresh);
            memory[top_at..top_at + 4].copy_from_slice(&(top as u32).to_le_bytes());
            memory[hole_at..hole_at + 4].copy_from_slice(&(hole.start as u32).to_le_bytes());
            memory[hole_at + 4..hole_at + 8].copy_from_slice(&(hole.end as u32).to_le_bytes());
            memory
        };
        let hole = base + 1024..base + 4096;
        let mut memory = marked(hole.clone());
        assert!(fresh.restore(&mut memory, &[]));
        assert_eq!(memory[..hole.start], image[..hole.start], "rewritten below the hole");
        assert!(memory[hole.clone()].iter().all(|byte| *byte == 0xa5), "the hole is left");
        assert_eq!(memory[hole.end..top], image[hole.end..top], "rewritten between the hole and the mark");
        assert!(memory[top..].iter().all(|byte| *byte == 0xa5), "left above the mark");
        for outside in [base - 8..base + 8, base + 4096..top + 1, base + 2048..base + 1024] {
            let mut memory = marked(outside.clone());
            assert!(fresh.restore(&mut memory, &[]));
            assert_eq!(memory[..top], image[..top], "a hole {outside:?} outside the heap below the mark is ignored");
        }
    }

    /// A module of `sections` (id, contents).
    fn module(sections: &[(u8, &[u8])]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        for (id, contents) in sections {
            wasm.push(*id);
            wasm.push(contents.len() as u8);
            wasm.extend_from_slice(contents);
        }
        wasm
    }

    const ONE_PAGE: (u8, &[u8]) = (5, &[1, 0, 1]);

    #[test]
    fn modules_that_keep_state_outside_memory_are_refused() {
        let two_mutable_globals = module(&[ONE_PAGE, (6, &[2, 0x7f, 1, 0x41, 0, 0x0b, 0x7f, 1, 0x41, 0, 0x0b])]);
        assert_eq!(FreshMemory::of(&two_mutable_globals).unwrap_err(), NotResettable::Globals);
        // (func (table.set 0 (i32.const 0) (ref.null func)))
        let table_set = module(&[
            (1, &[1, 0x60, 0, 0]),
            (3, &[1, 0]),
            (4, &[1, 0x70, 0, 1]),
            ONE_PAGE,
            (10, &[1, 8, 0, 0x41, 0, 0xd0, 0x70, 0x26, 0, 0x0b]),
        ]);
        assert_eq!(FreshMemory::of(&table_set).unwrap_err(), NotResettable::Instruction("table.set"));
        let passive_segment = module(&[ONE_PAGE, (11, &[1, 1, 1, b'x'])]);
        assert_eq!(FreshMemory::of(&passive_segment).unwrap_err(), NotResettable::Segment);
        let imported_memory = module(&[(2, &[1, 1, b'm', 3, b'm', b'e', b'm', 2, 0, 1])]);
        assert_eq!(FreshMemory::of(&imported_memory).unwrap_err(), NotResettable::Imports);
        let past_the_end = module(&[ONE_PAGE, (11, &[1, 0, 0x41, 0xff, 0xff, 3, 0x0b, 2, b'a', b'b'])]);
        assert_eq!(FreshMemory::of(&past_the_end).unwrap_err(), NotResettable::Segment);
        let plain = FreshMemory::of(&module(&[ONE_PAGE, (11, &[1, 0, 0x41, 8, 0x0b, 2, b'a', b'b'])])).unwrap();
        assert_eq!(plain.segment_ranges(), vec![8..10]);
        assert_eq!(plain.size(), WASM_PAGE);
        assert_eq!(plain.heap, None, "no heap marks: every reset rewrites all of memory");
    }
}
