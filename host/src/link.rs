//! One host function per import of `evmpc_abi::imports`. Each reads its fixed-size
//! arguments from guest memory, asks the [`EvmHost`], and writes fixed-size results back.
//! A node fault is kept in the session and raised as a trap; the session reports it.

use crate::analysis::jump_table_len;
use crate::error::NodeError;
use crate::evm_host::{Access, EvmHost, Transfer};
use crate::session::{CallEntry, SessionData};
use evmpc_abi::imports::IMPORT_MODULE;
use evmpc_abi::limits::MAX_LOG_TOPICS;
use evmpc_abi::records::{call, request, AccessFlags, AccountRecord, SSTORE_RECORD_SIZE};
use evmpc_abi::{Status, Word};
use revm::primitives::keccak256;
use wasmtime::{Caller, Linker};

type Ctx<'a, H> = Caller<'a, SessionData<H>>;

/// A pointer that does not fit guest memory: a guest bug, raised as a trap.
fn out_of_bounds() -> wasmtime::Error {
    wasmtime::Error::msg("import argument out of guest memory bounds")
}

fn range(ptr: i32, len: usize, memory_len: usize) -> wasmtime::Result<std::ops::Range<usize>> {
    let start = ptr as u32 as usize;
    let end = start.checked_add(len).filter(|end| *end <= memory_len).ok_or_else(out_of_bounds)?;
    Ok(start..end)
}

fn read<const N: usize>(memory: &[u8], ptr: i32) -> wasmtime::Result<[u8; N]> {
    let bytes = &memory[range(ptr, N, memory.len())?];
    Ok(bytes.try_into().unwrap_or([0; N]))
}

fn write(memory: &mut [u8], ptr: i32, bytes: &[u8]) -> wasmtime::Result<()> {
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
) -> wasmtime::Result<(&mut [u8], &mut [u8])> {
    if first.end <= second.start {
        let (low, high) = memory.split_at_mut(second.start);
        Ok((&mut low[first], &mut high[..second.len()]))
    } else if second.end <= first.start {
        let (low, high) = memory.split_at_mut(first.start);
        Ok((&mut high[..first.len()], &mut low[second]))
    } else {
        Err(wasmtime::Error::msg("import arguments overlap in guest memory"))
    }
}

/// Guest memory and session data, borrowed together, for an import call (counted).
fn split<'a, H: EvmHost + 'static>(caller: &'a mut Ctx<'_, H>) -> (&'a mut [u8], &'a mut SessionData<H>) {
    let memory = caller.data().memory.expect("memory is set at instantiation");
    let (memory, data) = memory.data_and_store_mut(caller);
    data.usage.imports += 1;
    (memory, data)
}

/// Counts `len` bytes crossing the boundary through an import.
fn crossed<H: EvmHost>(data: &mut SessionData<H>, len: usize) {
    data.usage.bytes = data.usage.bytes.saturating_add(len as u64);
}

/// Keeps a host failure for the session and turns it into a trap.
fn fail<H: EvmHost>(data: &mut SessionData<H>, import: &'static str, error: H::Error) -> wasmtime::Error {
    data.failure = Some(NodeError::Host { import, source: Box::new(error) });
    wasmtime::Error::msg("EvmHost failure")
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

/// Defines every import on `linker`.
pub(crate) fn define_imports<H: EvmHost + 'static>(linker: &mut Linker<SessionData<H>>) -> wasmtime::Result<()> {
    linker.func_wrap(
        IMPORT_MODULE,
        "sload",
        |mut caller: Ctx<'_, H>, address: i32, key: i32, flags: i32, out: i32| {
            let (memory, data) = split(&mut caller);
            let (address, key) = (read::<20>(memory, address)?, read::<32>(memory, key)?);
            let access = data.host.sload(&address, &key, skip_cold(flags)).map_err(|e| fail(data, "sload", e))?;
            if let Access::Loaded { value, .. } = &access {
                write(memory, out, value)?;
            }
            Ok(access_flags(&access).0)
        },
    )?;
    linker.func_wrap(
        IMPORT_MODULE,
        "sstore",
        |mut caller: Ctx<'_, H>, address: i32, key: i32, value: i32, flags: i32, out: i32| {
            let (memory, data) = split(&mut caller);
            let address = read::<20>(memory, address)?;
            let (key, value) = (read::<32>(memory, key)?, read::<32>(memory, value)?);
            let access =
                data.host.sstore(&address, &key, &value, skip_cold(flags)).map_err(|e| fail(data, "sstore", e))?;
            if let Access::Loaded { value, .. } = &access {
                let mut record = [0u8; SSTORE_RECORD_SIZE];
                record[..32].copy_from_slice(&value.original);
                record[32..].copy_from_slice(&value.present);
                write(memory, out, &record)?;
            }
            Ok(access_flags(&access).0)
        },
    )?;
    linker.func_wrap(IMPORT_MODULE, "account", |mut caller: Ctx<'_, H>, address: i32, flags: i32, out: i32| {
        let (memory, data) = split(&mut caller);
        let address = read::<20>(memory, address)?;
        let load_code = flags & request::LOAD_CODE != 0;
        let access = data.host.account(&address, load_code, skip_cold(flags)).map_err(|e| fail(data, "account", e))?;
        match access {
            Access::Loaded { value, cold } => {
                write(memory, out, &value.record.to_bytes())?;
                Ok(AccessFlags::new(cold, false, value.is_empty, value.is_delegated).0)
            }
            Access::ColdSkipped => Ok(AccessFlags::new(false, true, false, false).0),
        }
    })?;
    linker.func_wrap(
        IMPORT_MODULE,
        "code_copy",
        |mut caller: Ctx<'_, H>, address: i32, code_offset: i32, dest: i32, len: i32| {
            let (memory, data) = split(&mut caller);
            let address = read::<20>(memory, address)?;
            let target = range(dest, len as u32 as usize, memory.len())?;
            let offset = code_offset as u32 as usize;
            crossed(data, target.len());
            data.host.code_copy(&address, offset, &mut memory[target]).map_err(|e| fail(data, "code_copy", e))
        },
    )?;
    linker.func_wrap(
        IMPORT_MODULE,
        "code_load",
        |mut caller: Ctx<'_, H>, address: i32, dest: i32, len: i32, jump_table: i32| {
            let (memory, data) = split(&mut caller);
            let address = read::<20>(memory, address)?;
            let len = len as u32 as usize;
            let code = range(dest, len, memory.len())?;
            let table = range(jump_table, jump_table_len(len), memory.len())?;
            let (code, table) = disjoint_mut(memory, code, table)?;
            crossed(data, code.len() + table.len());
            data.host.code_load(&address, code, table).map_err(|e| fail(data, "code_load", e))
        },
    )?;
    linker.func_wrap(IMPORT_MODULE, "keccak256", |mut caller: Ctx<'_, H>, input: i32, len: i32, out: i32| {
        let (memory, data) = split(&mut caller);
        let input = &memory[range(input, len as u32 as usize, memory.len())?];
        data.usage.hashed = data.usage.hashed.saturating_add(input.len() as u64);
        let hash = keccak256(input);
        write(memory, out, &hash.0)
    })?;
    linker.func_wrap(IMPORT_MODULE, "block_hash", |mut caller: Ctx<'_, H>, number: i64, out: i32| {
        let (memory, data) = split(&mut caller);
        let hash = data.host.block_hash(number as u64).map_err(|e| fail(data, "block_hash", e))?;
        write(memory, out, &hash)
    })?;
    linker.func_wrap(
        IMPORT_MODULE,
        "log",
        |mut caller: Ctx<'_, H>, address: i32, topics: i32, topic_count: i32, log_data: i32, data_len: i32| {
            let (memory, data) = split(&mut caller);
            let address = read::<20>(memory, address)?;
            let count = topic_count as u32 as usize;
            if count > MAX_LOG_TOPICS {
                return Err(out_of_bounds());
            }
            let mut words: [Word; MAX_LOG_TOPICS] = [[0; 32]; MAX_LOG_TOPICS];
            for (index, word) in words.iter_mut().take(count).enumerate() {
                *word = read::<32>(memory, topics.wrapping_add(32 * index as i32))?;
            }
            let bytes = &memory[range(log_data, data_len as u32 as usize, memory.len())?];
            crossed(data, bytes.len() + 32 * count);
            data.host.log(&address, &words[..count], bytes).map_err(|e| fail(data, "log", e))
        },
    )?;
    linker.func_wrap(IMPORT_MODULE, "transfer", |mut caller: Ctx<'_, H>, from: i32, to: i32, value: i32| {
        let (memory, data) = split(&mut caller);
        let (from, to) = (read::<20>(memory, from)?, read::<20>(memory, to)?);
        let value = read::<32>(memory, value)?;
        let done = data.host.transfer(&from, &to, &value).map_err(|e| fail(data, "transfer", e))?;
        Ok(match done {
            Transfer::Done => 0,
            Transfer::OutOfFunds => i32::from(Status::OutOfFunds.to_u8()),
            Transfer::Overflow => i32::from(Status::OverflowPayment.to_u8()),
        })
    })?;
    linker.func_wrap(
        IMPORT_MODULE,
        "call_enter",
        |mut caller: Ctx<'_, H>, from: i32, to: i32, value: i32, flags: i32| {
            let (memory, data) = split(&mut caller);
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
        },
    )?;
    linker.func_wrap(IMPORT_MODULE, "call_exit", |mut caller: Ctx<'_, H>, success: i32| {
        let data = caller.data_mut();
        data.usage.imports += 1;
        if data.exit_call(success != 0) {
            Ok(())
        } else {
            Err(wasmtime::Error::msg("call_exit with no call open"))
        }
    })?;
    linker.func_wrap(
        IMPORT_MODULE,
        "selfdestruct",
        |mut caller: Ctx<'_, H>, address: i32, target: i32, flags: i32, out: i32| {
            let (memory, data) = split(&mut caller);
            let (address, target) = (read::<20>(memory, address)?, read::<20>(memory, target)?);
            let access = data
                .host
                .selfdestruct(&address, &target, skip_cold(flags))
                .map_err(|e| fail(data, "selfdestruct", e))?;
            if let Access::Loaded { value, .. } = &access {
                write(memory, out, &value.to_bytes())?;
            }
            Ok(access_flags(&access).0)
        },
    )?;
    debug_assert_eq!(AccountRecord::SIZE, 96);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory_host::MemoryHost;
    use evmpc_abi::imports::{ValType, IMPORTS};

    /// The linker defines exactly the ABI table, with the table's signatures.
    #[test]
    fn linker_matches_import_table() {
        let engine = wasmtime::Engine::default();
        let mut linker = Linker::<SessionData<MemoryHost>>::new(&engine);
        define_imports(&mut linker).unwrap();
        let mut store = wasmtime::Store::new(&engine, SessionData::new(MemoryHost::default()));
        let defined: Vec<_> =
            linker.iter(&mut store).map(|(module, name, _)| (module.to_string(), name.to_string())).collect();
        assert_eq!(defined.len(), IMPORTS.len());
        for sig in IMPORTS {
            let export =
                linker.get(&mut store, IMPORT_MODULE, sig.name).unwrap_or_else(|_| panic!("{} missing", sig.name));
            let ty = export.into_func().unwrap().ty(&store);
            let to_abi = |t: wasmtime::ValType| match t {
                wasmtime::ValType::I32 => ValType::I32,
                wasmtime::ValType::I64 => ValType::I64,
                other => panic!("unexpected type {other:?}"),
            };
            assert_eq!(ty.params().map(to_abi).collect::<Vec<_>>(), sig.params, "{}", sig.name);
            assert_eq!(ty.results().map(to_abi).collect::<Vec<_>>(), sig.results, "{}", sig.name);
        }
    }

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
