//! One host function per import of `evmpc_abi::imports`, whatever engine runs the guest.
//! Each reads its fixed-size arguments from guest memory, asks the [`EvmHost`], and writes
//! fixed-size results back. A node fault is kept in the session's store and raised as a
//! trap; the session reports it. The engines' linkers (`backend`) wire these bodies in.

use crate::analysis::jump_table_len;
use crate::error::{ImportRefusal, NodeError};
use crate::fees::Term;
use crate::state_host::evm_host::{Access, EvmHost, Transfer};
use crate::store::{CallEntry, SessionData};
use evmpc_abi::limits::{CODE_PADDING, MAX_LOG_TOPICS};
use evmpc_abi::records::{call, request, AccessFlags, SSTORE_RECORD_SIZE};
use evmpc_abi::{Status, Word};
use std::sync::Arc;

/// Why an import refused its arguments or failed: raised as a trap, blamed by the session.
#[derive(Debug)]
pub(crate) enum ImportFault {
    /// A pointer outside guest memory, or arguments that overlap: a guest bug.
    Guest(ImportRefusal),
    /// The [`EvmHost`] failed; the failure is kept in the session data.
    Host,
}

impl std::fmt::Display for ImportFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportFault::Guest(refusal) => refusal.fmt(f),
            ImportFault::Host => f.write_str("EvmHost failure"),
        }
    }
}

impl std::error::Error for ImportFault {}

type Fault<T> = Result<T, ImportFault>;

/// A pointer that does not fit guest memory: a guest bug, raised as a trap.
fn out_of_bounds() -> ImportFault {
    ImportFault::Guest(ImportRefusal::OutOfBounds)
}

fn range(ptr: i32, len: usize, memory_len: usize) -> Fault<std::ops::Range<usize>> {
    let start = ptr as u32 as usize;
    let end = start.checked_add(len).filter(|end| *end <= memory_len).ok_or_else(out_of_bounds)?;
    Ok(start..end)
}

fn read<const N: usize>(memory: &[u8], ptr: i32) -> Fault<[u8; N]> {
    let bytes = &memory[range(ptr, N, memory.len())?];
    Ok(bytes.try_into().unwrap_or([0; N]))
}

fn write(memory: &mut [u8], ptr: i32, bytes: &[u8]) -> Fault<()> {
    let target = range(ptr, bytes.len(), memory.len())?;
    memory[target].copy_from_slice(bytes);
    Ok(())
}

/// Two non-overlapping ranges of guest memory, both writable; overlapping ones are a guest
/// bug, raised as a trap.
fn disjoint_mut(
    memory: &mut [u8],
    first: std::ops::Range<usize>,
    second: std::ops::Range<usize>,
) -> Fault<(&mut [u8], &mut [u8])> {
    if first.end <= second.start {
        let (low, high) = memory.split_at_mut(second.start);
        Ok((&mut low[first], &mut high[..second.len()]))
    } else if second.end <= first.start {
        let (low, high) = memory.split_at_mut(first.start);
        Ok((&mut high[..first.len()], &mut low[second]))
    } else {
        Err(ImportFault::Guest(ImportRefusal::Overlap))
    }
}

/// Counts `len` bytes crossing the boundary through an import.
fn crossed<H: EvmHost>(data: &mut SessionData<H>, len: usize) {
    data.usage.add(Term::Bytes, len as u64);
}

/// Keeps a host failure for the session and turns it into a trap.
fn fail<H: EvmHost>(data: &mut SessionData<H>, import: &'static str, error: H::Error) -> ImportFault {
    data.failure = Some(NodeError::Host { import, source: Arc::new(error) });
    ImportFault::Host
}

/// Counts a cold load for the fee.
fn count_cold<H: EvmHost, T>(data: &mut SessionData<H>, access: &Access<T>) {
    if matches!(access, Access::Loaded { cold: true, .. }) {
        data.usage.add(Term::Cold, 1);
    }
}

/// Writes `value` (when loaded) and returns the access flags.
fn access_flags<T>(access: &Access<T>) -> AccessFlags {
    match access {
        Access::Loaded { cold, .. } => AccessFlags::new(*cold, false, false, false),
        Access::ColdSkipped => AccessFlags::new(false, true, false, false),
    }
}

fn skip_cold(flags: i32) -> bool {
    flags & request::SKIP_COLD != 0
}

/// The imports' bodies, over guest memory and the session's store, whatever engine runs
/// the guest; `backend` wires them into each engine's linker.
pub(crate) mod bodies {
    use super::*;

    pub(crate) fn sload<H: EvmHost>(
        memory: &mut [u8],
        data: &mut SessionData<H>,
        address: i32,
        key: i32,
        flags: i32,
        out: i32,
    ) -> Fault<i32> {
        let (address, key) = (read::<20>(memory, address)?, read::<32>(memory, key)?);
        if let Some(value) = data.warm_slots.get(&address, &key) {
            write(memory, out, value)?;
            return Ok(AccessFlags::new(false, false, false, false).0);
        }
        let access = data.host.sload(&address, &key, skip_cold(flags)).map_err(|e| fail(data, "sload", e))?;
        count_cold(data, &access);
        if let Access::Loaded { value, .. } = &access {
            write(memory, out, value)?;
            data.warm_slots.insert(&address, &key, value);
        }
        Ok(access_flags(&access).0)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn sstore<H: EvmHost>(
        memory: &mut [u8],
        data: &mut SessionData<H>,
        address: i32,
        key: i32,
        value: i32,
        flags: i32,
        out: i32,
    ) -> Fault<i32> {
        let address = read::<20>(memory, address)?;
        let (key, value) = (read::<32>(memory, key)?, read::<32>(memory, value)?);
        let access = data.host.sstore(&address, &key, &value, skip_cold(flags)).map_err(|e| fail(data, "sstore", e))?;
        count_cold(data, &access);
        if let Access::Loaded { value: values, .. } = &access {
            data.warm_slots.insert(&address, &key, &value);
            let mut record = [0u8; SSTORE_RECORD_SIZE];
            record[..32].copy_from_slice(&values.original);
            record[32..].copy_from_slice(&values.present);
            write(memory, out, &record)?;
        }
        Ok(access_flags(&access).0)
    }

    pub(crate) fn account<H: EvmHost>(
        memory: &mut [u8],
        data: &mut SessionData<H>,
        address: i32,
        flags: i32,
        out: i32,
    ) -> Fault<i32> {
        let address = read::<20>(memory, address)?;
        let load_code = flags & request::LOAD_CODE != 0;
        let access = data.host.account(&address, load_code, skip_cold(flags)).map_err(|e| fail(data, "account", e))?;
        count_cold(data, &access);
        match access {
            Access::Loaded { value, cold } => {
                write(memory, out, &value.record.to_bytes())?;
                Ok(AccessFlags::new(cold, false, value.is_empty, value.is_delegated).0)
            }
            Access::ColdSkipped => Ok(AccessFlags::new(false, true, false, false).0),
        }
    }

    pub(crate) fn code_copy<H: EvmHost>(
        memory: &mut [u8],
        data: &mut SessionData<H>,
        address: i32,
        code_offset: i32,
        dest: i32,
        len: i32,
    ) -> Fault<()> {
        let address = read::<20>(memory, address)?;
        let target = range(dest, len as u32 as usize, memory.len())?;
        let offset = code_offset as u32 as usize;
        crossed(data, target.len());
        data.host.code_copy(&address, offset, &mut memory[target]).map_err(|e| fail(data, "code_copy", e))
    }

    /// Serves a code from the instance's window when it keeps one (written there once, by
    /// hash), else writes it to the guest's blocks; the bytes counted are the same.
    pub(crate) fn code_load<H: EvmHost>(
        memory: &mut [u8],
        data: &mut SessionData<H>,
        address: i32,
        hash: i32,
        dest: i32,
        len: i32,
        jump_table: i32,
    ) -> Fault<i32> {
        let address = read::<20>(memory, address)?;
        let len = len as u32 as usize;
        let code = range(dest, len, memory.len())?;
        let table = range(jump_table, jump_table_len(len), memory.len())?;
        disjoint_mut(memory, code.clone(), table.clone())?;
        crossed(data, code.len() + table.len());
        if let Some(window) = data.code_window.as_mut() {
            let hash = read::<32>(memory, hash)?;
            let kept = match window.find(&hash) {
                Some(at) => Some(at),
                None => match window.room(len) {
                    Some(room) => {
                        let (bytes, rest) = memory[room.clone()].split_at_mut(len);
                        let (padding, bitmap) = rest.split_at_mut(CODE_PADDING);
                        padding.fill(0);
                        if let Err(error) = data.host.code_load(&address, bytes, bitmap) {
                            return Err(fail(data, "code_load", error));
                        }
                        window.keep(hash, room.clone());
                        Some(room.start)
                    }
                    None => None,
                },
            };
            if let Some(at) = kept {
                window.left_unwritten([code, table]);
                return Ok(at as u32 as i32);
            }
        }
        let (code, table) = disjoint_mut(memory, code, table)?;
        data.host.code_load(&address, code, table).map_err(|e| fail(data, "code_load", e))?;
        Ok(dest)
    }

    pub(crate) fn keccak256<H: EvmHost>(
        memory: &mut [u8],
        data: &mut SessionData<H>,
        input: i32,
        len: i32,
        out: i32,
    ) -> Fault<()> {
        let input = &memory[range(input, len as u32 as usize, memory.len())?];
        data.usage.add(Term::Hashed, input.len() as u64);
        let hash = revm::primitives::keccak256(input);
        write(memory, out, &hash.0)
    }

    pub(crate) fn block_hash<H: EvmHost>(
        memory: &mut [u8],
        data: &mut SessionData<H>,
        number: i64,
        out: i32,
    ) -> Fault<()> {
        let hash = data.host.block_hash(number as u64).map_err(|e| fail(data, "block_hash", e))?;
        write(memory, out, &hash)
    }

    pub(crate) fn log<H: EvmHost>(
        memory: &mut [u8],
        data: &mut SessionData<H>,
        address: i32,
        topics: i32,
        topic_count: i32,
        log_data: i32,
        data_len: i32,
    ) -> Fault<()> {
        let address = read::<20>(memory, address)?;
        let count = topic_count as u32 as usize;
        if count > MAX_LOG_TOPICS {
            return Err(out_of_bounds());
        }
        // One bounds check for all topics, copied straight into place.
        let mut words: [Word; MAX_LOG_TOPICS] = [[0; 32]; MAX_LOG_TOPICS];
        let topics = &memory[range(topics, 32 * count, memory.len())?];
        for (word, topic) in words.iter_mut().zip(topics.chunks_exact(32)) {
            word.copy_from_slice(topic);
        }
        let bytes = &memory[range(log_data, data_len as u32 as usize, memory.len())?];
        crossed(data, bytes.len() + 32 * count);
        data.host.log(&address, &words[..count], bytes).map_err(|e| fail(data, "log", e))
    }

    pub(crate) fn transfer<H: EvmHost>(
        memory: &mut [u8],
        data: &mut SessionData<H>,
        from: i32,
        to: i32,
        value: i32,
    ) -> Fault<i32> {
        let (from, to) = (read::<20>(memory, from)?, read::<20>(memory, to)?);
        let value = read::<32>(memory, value)?;
        let done = data.host.transfer(&from, &to, &value).map_err(|e| fail(data, "transfer", e))?;
        Ok(match done {
            Transfer::Done => 0,
            Transfer::OutOfFunds => i32::from(Status::OutOfFunds.to_u8()),
            Transfer::Overflow => i32::from(Status::OverflowPayment.to_u8()),
        })
    }

    pub(crate) fn call_enter<H: EvmHost>(
        memory: &mut [u8],
        data: &mut SessionData<H>,
        from: i32,
        to: i32,
        value: i32,
        flags: i32,
    ) -> Fault<i32> {
        let (from, to) = (read::<20>(memory, from)?, read::<20>(memory, to)?);
        let value = read::<32>(memory, value)?;
        let value = (flags & call::TRANSFERS_VALUE != 0).then_some(&value);
        let entry = data.enter_call(&from, &to, value).map_err(|e| fail(data, "call_enter", e))?;
        Ok(match entry {
            CallEntry::Entered => call::ENTERED,
            CallEntry::NotServed => call::NOT_SERVED,
            CallEntry::Failed(Transfer::Overflow) => i32::from(Status::OverflowPayment.to_u8()),
            CallEntry::Failed(_) => i32::from(Status::OutOfFunds.to_u8()),
        })
    }

    pub(crate) fn call_exit<H: EvmHost>(_memory: &mut [u8], data: &mut SessionData<H>, success: i32) -> Fault<()> {
        if data.exit_call(success != 0) {
            Ok(())
        } else {
            Err(ImportFault::Guest(ImportRefusal::NoCallOpen))
        }
    }

    pub(crate) fn selfdestruct<H: EvmHost>(
        memory: &mut [u8],
        data: &mut SessionData<H>,
        address: i32,
        target: i32,
        flags: i32,
        out: i32,
    ) -> Fault<i32> {
        let (address, target) = (read::<20>(memory, address)?, read::<20>(memory, target)?);
        data.warm_slots.forget();
        let access =
            data.host.selfdestruct(&address, &target, skip_cold(flags)).map_err(|e| fail(data, "selfdestruct", e))?;
        count_cold(data, &access);
        if let Access::Loaded { value, .. } = &access {
            write(memory, out, &value.to_bytes())?;
        }
        Ok(access_flags(&access).0)
    }
}

/// Calls `$m!(name, (arguments) -> result)` for every import of the ABI, in the table's
/// order; each engine's module turns that into a definition on its linker.
macro_rules! for_each_import {
    ($m:ident) => {
        $m!(sload, (address: i32, key: i32, flags: i32, out: i32) -> i32);
        $m!(sstore, (address: i32, key: i32, value: i32, flags: i32, out: i32) -> i32);
        $m!(account, (address: i32, flags: i32, out: i32) -> i32);
        $m!(code_copy, (address: i32, code_offset: i32, dest: i32, len: i32) -> ());
        $m!(code_load, (address: i32, hash: i32, dest: i32, len: i32, jump_table: i32) -> i32);
        $m!(keccak256, (input: i32, len: i32, out: i32) -> ());
        $m!(block_hash, (number: i64, out: i32) -> ());
        $m!(log, (address: i32, topics: i32, topic_count: i32, log_data: i32, data_len: i32) -> ());
        $m!(transfer, (from: i32, to: i32, value: i32) -> i32);
        $m!(call_enter, (from: i32, to: i32, value: i32, flags: i32) -> i32);
        $m!(call_exit, (success: i32) -> ());
        $m!(selfdestruct, (address: i32, target: i32, flags: i32, out: i32) -> i32);
    };
}

pub(crate) use for_each_import;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disjoint_ranges_are_both_writable_and_overlapping_ones_trap() {
        let mut memory = [0u8; 8];
        let (first, second) = disjoint_mut(&mut memory, 4..6, 0..2).unwrap();
        first.fill(1);
        second.fill(2);
        assert_eq!(memory, [2, 2, 0, 0, 1, 1, 0, 0]);
        assert!(disjoint_mut(&mut memory, 0..4, 3..5).is_err());
        assert!(disjoint_mut(&mut memory, 0..0, 0..3).is_ok(), "an empty range overlaps nothing");
    }
}
