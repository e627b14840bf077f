//! The one list of host functions the guest imports, and of the functions it exports.
//!
//! [`for_each_import!`](crate::for_each_import) expands the list for code: the guest
//! generates its `extern` block from it; [`IMPORTS`] is the same list as data, which the
//! host's linker, the artifact check and [`abi_hash`](crate::abi_hash) read.
//!
//! Every pointer is an offset into guest memory; fixed-size values cross by pointer (20-byte
//! addresses, 32-byte big-endian words, the records of [`records`](crate::records)).
//! A host function that cannot serve a request because the node failed traps; the host
//! reports that as a node error and the frame's state changes are undone.

/// The Wasm module name of every import.
pub const IMPORT_MODULE: &str = "evmpc";

/// A Wasm value type of an import or export signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValType {
    /// `i32` (pointers, lengths, flags).
    I32,
    /// `i64`.
    I64,
}

impl ValType {
    /// The type's name in the Wasm text format.
    pub const fn name(self) -> &'static str {
        match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
        }
    }
}

/// Name and signature of one import or export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportSig {
    /// Field name (in module [`IMPORT_MODULE`] for imports).
    pub name: &'static str,
    /// Parameter types.
    pub params: &'static [ValType],
    /// Result types.
    pub results: &'static [ValType],
}

/// Calls `$callback!` with the import table:
/// `{ $( $(#[$doc])* fn $name($($param: $ty),*) $(-> $ret)?; )* }`.
///
/// Types are `i32` or `i64`. This is the only place imports are listed.
#[macro_export]
macro_rules! for_each_import {
    ($callback:ident) => {
        $callback! {
            /// Reads storage slot `*key` of `*address` into `*out` (32 bytes).
            /// `flags`: bit 0 skips a cold load. Returns [`AccessFlags`](crate::records::AccessFlags).
            fn sload(address: i32, key: i32, flags: i32, out: i32) -> i32;
            /// Writes `*value` to slot `*key` of `*address`; writes the slot's original value
            /// (at the start of the transaction) then its present value (before this write)
            /// to `*out` (64 bytes). `flags`: bit 0 skips a cold load. Returns access flags.
            fn sstore(address: i32, key: i32, value: i32, flags: i32, out: i32) -> i32;
            /// Loads account `*address` and writes an [`AccountRecord`](crate::records::AccountRecord)
            /// to `*out`. `flags`: bit 0 skips a cold load, bit 1 loads code (fills the code
            /// length and the EIP-7702 delegate). Returns access flags.
            fn account(address: i32, flags: i32, out: i32) -> i32;
            /// Copies `len` bytes of the code of `*address`, from `code_offset`, to `*dest`;
            /// bytes past the end of the code are zero. The account is loaded already.
            /// Serves EXTCODECOPY.
            fn code_copy(address: i32, code_offset: i32, dest: i32, len: i32);
            /// Serves the analysed code of `*address` (loaded already, `len` bytes long, its
            /// code hash `*hash` as the account record gave it): the code and its JUMPDEST
            /// bitmap, `(len + 7) / 8` bytes (bit `i % 8` of byte `i / 8` is set iff byte `i`
            /// is a JUMPDEST outside PUSH data). Either writes the code to `*dest` and the
            /// bitmap to `*jump_table` and returns `dest`, or writes nothing and returns where
            /// the node keeps them in memory past
            /// [`MAX_GUEST_MEMORY`](crate::limits::MAX_GUEST_MEMORY): the code,
            /// [`CODE_PADDING`](crate::limits::CODE_PADDING) zero bytes, the bitmap, unchanged
            /// for the session. The guest never writes `*dest` and `*jump_table` in that case
            /// (the node's reset skips them). Serves the first frame of a session that runs the
            /// code: the node keeps analysed code as native revm does, so the guest never
            /// analyses it.
            fn code_load(address: i32, hash: i32, dest: i32, len: i32, jump_table: i32) -> i32;
            /// Writes the keccak256 of the `len` bytes at `*data` to `*out` (32 bytes). Serves
            /// KECCAK256 and CREATE2: hashing is the costliest work per gas of the EVM, and
            /// the node's native hasher does it at native speed.
            fn keccak256(data: i32, len: i32, out: i32);
            /// Writes the hash of block `number` to `*out`. The guest asks only for the 256
            /// blocks before the current one; a node that cannot answer traps.
            fn block_hash(number: i64, out: i32);
            /// Emits a log of `*address` with `topic_count` topics at `*topics` (32 bytes each)
            /// and `data_len` bytes of data at `*data`.
            fn log(address: i32, topics: i32, topic_count: i32, data: i32, data_len: i32);
            /// Moves `*value` (32 bytes) from `*from` to `*to`, both loaded already, for a call
            /// to an account without code that the guest answers itself; a zero value only
            /// touches `*to` (EIP-161). All or nothing. Returns 0, or the
            /// [`Status`](crate::Status) code of the failure (`OutOfFunds`, `OverflowPayment`).
            fn transfer(from: i32, to: i32, value: i32) -> i32;
            /// Opens the frame of a call the guest serves itself: a checkpoint of the node's
            /// state, then, with `flags` bit 0 ([`TRANSFERS_VALUE`](crate::records::call::TRANSFERS_VALUE)),
            /// `*value` (32 bytes) moved from `*caller` to `*target` (both loaded already).
            /// Returns [`ENTERED`](crate::records::call::ENTERED); or the
            /// [`Status`](crate::Status) code of a failed transfer (`OutOfFunds`,
            /// `OverflowPayment`), nothing changed; or
            /// [`NOT_SERVED`](crate::records::call::NOT_SERVED): the node runs the call
            /// itself and the guest suspends with `Action::Call`.
            fn call_enter(caller: i32, target: i32, value: i32, flags: i32) -> i32;
            /// Closes the frame the last `call_enter` still open opened: keeps its state
            /// changes when `success` is 1, undoes them when it is 0.
            fn call_exit(success: i32);
            /// Self-destructs `*address` in favour of `*target`; writes a
            /// [`SelfDestructRecord`](crate::records::SelfDestructRecord) to `*out`.
            /// `flags`: bit 0 skips a cold load. Returns access flags.
            fn selfdestruct(address: i32, target: i32, flags: i32, out: i32) -> i32;
        }
    };
}

macro_rules! import_table {
    ($( $(#[$doc:meta])* fn $name:ident($($param:ident: $ty:ident),*) $(-> $ret:ident)?; )*) => {
        /// Every import, in the order of the table.
        pub const IMPORTS: &[ImportSig] = &[$(
            ImportSig {
                name: stringify!($name),
                params: &[$(val_type!($ty)),*],
                results: &[$(val_type!($ret))?],
            },
        )*];
    };
}

macro_rules! val_type {
    (i32) => {
        ValType::I32
    };
    (i64) => {
        ValType::I64
    };
}

for_each_import!(import_table);

/// Every function the guest exports, besides its `memory`.
pub const EXPORTS: &[ImportSig] = &[
    // Reserves `len` bytes for the next message and returns where to write it.
    ImportSig { name: "input_buffer", params: &[ValType::I32], results: &[ValType::I32] },
    // Starts a frame from the `len`-byte `FrameInput` in the input buffer. Returns
    // `ptr << 32 | len` of the encoded `Action`, or `-BoundaryError`.
    ImportSig { name: "frame_start", params: &[ValType::I32], results: &[ValType::I64] },
    // Resumes the suspended top frame with the `len`-byte `SubcallOutcome` in the input
    // buffer. Returns like `frame_start`.
    ImportSig { name: "frame_resume", params: &[ValType::I32], results: &[ValType::I64] },
    // The units the session has counted so far (`units`): what its frames executed, read by
    // the node after every start and resume.
    ImportSig { name: "units", params: &[], results: &[ValType::I64] },
];

/// Name of the exported linear memory.
pub const MEMORY_EXPORT: &str = "memory";

/// The import named `name`, if any.
pub fn find_import(name: &str) -> Option<&'static ImportSig> {
    IMPORTS.iter().find(|sig| sig.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lists_each_import_once() {
        assert_eq!(IMPORTS.len(), 12);
        for (index, sig) in IMPORTS.iter().enumerate() {
            assert!(IMPORTS[index + 1..].iter().all(|other| other.name != sig.name));
        }
        let sload = find_import("sload").unwrap();
        assert_eq!(sload.params, &[ValType::I32; 4]);
        assert_eq!(sload.results, &[ValType::I32]);
        assert_eq!(find_import("block_hash").unwrap().params, &[ValType::I64, ValType::I32]);
    }
}
