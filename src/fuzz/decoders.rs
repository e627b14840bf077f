//! Every decoder of the ABI fed valid messages bent out of shape (bytes flipped, cut,
//! lengths made huge, fields appended) and plain random bytes.
//!
//! Host side, the fast codec must agree with borsh, the definition of the encoding: the
//! same value or both refusing. Whatever decodes must encode back to the same bytes (one
//! encoding per value). Guest side, a session given such bytes as a frame must run it or
//! refuse it at the boundary: never trap, never blame the node.

use borsh::{BorshDeserialize, BorshSerialize};
use evmpc_abi::contract::{LogEntry, Transaction, TxOutcome, TxStatus};
use evmpc_abi::{
    Action, CallRequest, CallScheme, CreateRequest, CreateScheme, Fork, FrameInput, FrameResult, GuestSlice, Status,
    SubcallOutcome, SubcallOutput,
};
use evmpc_host::{Error, FrameError, MemoryHost, Precompile};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// What one input found, if anything.
pub type Finding = Option<String>;

/// A valid message of each decoded type, from `rng`.
fn samples(rng: &mut SmallRng) -> [Vec<u8>; 5] {
    let bytes = |rng: &mut SmallRng, max: usize| -> Vec<u8> {
        let len = rng.random_range(0..max);
        (0..len).map(|_| rng.random()).collect()
    };
    let fork = Fork::from_u8(rng.random_range(0..14)).unwrap_or(Fork::Cancun);
    let mut frame = FrameInput::call(fork, bytes(rng, 64), bytes(rng, 64), rng.random());
    frame.depth = rng.random_range(0..1100);
    frame.is_static = rng.random();
    let slice = |rng: &mut SmallRng| GuestSlice { offset: rng.random(), len: rng.random_range(0..1 << 20) };
    let action = match rng.random_range(0..3) {
        0 => Action::Return(FrameResult {
            status: Status::from_u8(rng.random_range(0..0x60)).unwrap_or(Status::Stop),
            gas_used: rng.random(),
            gas_refunded: rng.random(),
            output: slice(rng),
        }),
        1 => Action::Call(CallRequest {
            scheme: [CallScheme::Call, CallScheme::CallCode, CallScheme::DelegateCall, CallScheme::StaticCall]
                [rng.random_range(0..4)],
            caller: rng.random(),
            target: rng.random(),
            bytecode_address: rng.random(),
            code_hash: rng.random(),
            code_address: rng.random(),
            code_len: rng.random(),
            value: rng.random(),
            transfers_value: rng.random(),
            input: slice(rng),
            gas_limit: rng.random(),
            is_static: rng.random(),
        }),
        _ => Action::Create(CreateRequest {
            scheme: if rng.random() { CreateScheme::Create } else { CreateScheme::Create2 { salt: rng.random() } },
            caller: rng.random(),
            value: rng.random(),
            init_code: slice(rng),
            address: rng.random::<bool>().then(|| rng.random()),
            gas_limit: rng.random(),
        }),
    };
    let outcome = SubcallOutcome {
        status: Status::from_u8(rng.random_range(0..0x60)).unwrap_or(Status::Revert),
        gas_remaining: rng.random(),
        gas_refunded: rng.random(),
        output: if rng.random() { SubcallOutput::Bytes(bytes(rng, 64)) } else { SubcallOutput::Nested },
        created_address: rng.random::<bool>().then(|| rng.random()),
    };
    let transaction = Transaction {
        caller: rng.random(),
        to: rng.random::<bool>().then(|| rng.random()),
        value: rng.random(),
        data: bytes(rng, 64),
        gas_limit: rng.random(),
    };
    let tx_outcome = TxOutcome {
        status: [TxStatus::Success, TxStatus::Revert, TxStatus::Halt][rng.random_range(0..3)],
        gas_used: rng.random(),
        output: bytes(rng, 32),
        created: rng.random::<bool>().then(|| rng.random()),
        logs: (0..rng.random_range(0..3))
            .map(|_| LogEntry {
                address: rng.random(),
                topics: (0..rng.random_range(0..5)).map(|_| rng.random()).collect(),
                data: bytes(rng, 32),
            })
            .collect(),
    };
    [
        borsh::to_vec(&frame).unwrap_or_default(),
        borsh::to_vec(&action).unwrap_or_default(),
        borsh::to_vec(&outcome).unwrap_or_default(),
        borsh::to_vec(&transaction).unwrap_or_default(),
        borsh::to_vec(&tx_outcome).unwrap_or_default(),
    ]
}

/// `message` bent: a few bytes changed, cut short, grown, or a 32-bit length made huge.
fn mutate(rng: &mut SmallRng, mut message: Vec<u8>) -> Vec<u8> {
    for _ in 0..rng.random_range(1..4) {
        match rng.random_range(0..6) {
            0 if !message.is_empty() => {
                let at = rng.random_range(0..message.len());
                message[at] = rng.random();
            }
            1 if !message.is_empty() => {
                let at = rng.random_range(0..message.len());
                message[at] ^= 1 << rng.random_range(0..8);
            }
            2 => {
                let len = rng.random_range(0..=message.len());
                message.truncate(len);
            }
            3 => {
                let extra = rng.random_range(1..8);
                message.extend((0..extra).map(|_| rng.random::<u8>()));
            }
            4 if message.len() >= 4 => {
                let at = rng.random_range(0..message.len() - 3);
                let huge: u32 = [u32::MAX, 1 << 31, 1 << 24, 0x0001_0000][rng.random_range(0..4)];
                message[at..at + 4].copy_from_slice(&huge.to_le_bytes());
            }
            _ => {
                let at = rng.random_range(0..=message.len());
                message.insert(at, rng.random());
            }
        }
    }
    message
}

/// `T` decodes `bytes` as borsh does and, when it does, encodes them back unchanged.
fn canonical<T: BorshDeserialize + BorshSerialize>(name: &str, bytes: &[u8]) -> Finding {
    match T::try_from_slice(bytes) {
        Ok(value) => {
            let again = borsh::to_vec(&value).unwrap_or_default();
            (again != bytes).then(|| format!("{name}: {} bytes decode but encode to other bytes", bytes.len()))
        }
        Err(_) => None,
    }
}

/// The host-side checks of one input, against every decoder.
pub fn host_side(bytes: &[u8]) -> Finding {
    let borsh_frame = FrameInput::try_from_slice(bytes).ok();
    if FrameInput::decode(bytes).ok() != borsh_frame {
        return Some(format!("FrameInput: fast codec and borsh disagree on {}", hex::encode(bytes)));
    }
    let borsh_action = Action::try_from_slice(bytes).ok();
    if Action::decode(bytes).ok() != borsh_action {
        return Some(format!("Action: fast codec and borsh disagree on {}", hex::encode(bytes)));
    }
    let borsh_outcome = SubcallOutcome::try_from_slice(bytes).ok();
    let fast_outcome = SubcallOutcome::decode_in_place(bytes).ok().map(|fields| SubcallOutcome {
        status: fields.status,
        gas_remaining: fields.gas_remaining,
        gas_refunded: fields.gas_refunded,
        output: match fields.output {
            Some(range) => SubcallOutput::Bytes(bytes[range].to_vec()),
            None => SubcallOutput::Nested,
        },
        created_address: fields.created_address,
    });
    if fast_outcome != borsh_outcome {
        return Some(format!("SubcallOutcome: fast codec and borsh disagree on {}", hex::encode(bytes)));
    }
    canonical::<FrameInput>("FrameInput", bytes)
        .or_else(|| canonical::<Action>("Action", bytes))
        .or_else(|| canonical::<SubcallOutcome>("SubcallOutcome", bytes))
        .or_else(|| canonical::<Transaction>("Transaction", bytes))
        .or_else(|| canonical::<TxOutcome>("TxOutcome", bytes))
}

/// The guest's check of one input: a session given `bytes` as a frame runs it or refuses
/// it at the boundary.
pub fn guest_side(precompile: &Precompile<MemoryHost>, bytes: &[u8]) -> Finding {
    let mut session = match precompile.session(MemoryHost::default()) {
        Ok(session) => session,
        Err(error) => return Some(format!("no session: {error}")),
    };
    let shown = || format!("{} bytes {}", bytes.len(), hex::encode(&bytes[..bytes.len().min(64)]));
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| session.start_encoded(bytes))) {
        Ok(Ok(_) | Err(Error::Frame(FrameError::Boundary(_) | FrameError::MemoryCap { .. }))) => None,
        Ok(Err(error)) => Some(format!("guest on {}: {error}", shown())),
        Err(_) => Some(format!("the host panicked on {}", shown())),
    }
}

/// The inputs of `seed`: one bent sample of each type, and random bytes.
pub fn inputs(seed: u64) -> Vec<Vec<u8>> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut inputs: Vec<Vec<u8>> = samples(&mut rng).into_iter().map(|sample| mutate(&mut rng, sample)).collect();
    let len = rng.random_range(0..128);
    inputs.push((0..len).map(|_| rng.random()).collect());
    inputs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_messages_pass_every_host_check() {
        let mut rng = SmallRng::seed_from_u64(7);
        for _ in 0..200 {
            for sample in samples(&mut rng) {
                assert_eq!(host_side(&sample), None);
            }
        }
    }

    #[test]
    fn bent_messages_never_break_a_decoder() {
        for seed in 0..2_000 {
            for input in inputs(seed) {
                assert_eq!(host_side(&input), None, "seed {seed}");
            }
        }
    }

    #[test]
    fn the_guest_refuses_bent_frames_at_the_boundary() {
        let engine = evmpc_host::Engine::shared().unwrap();
        let precompile = Precompile::new(&engine).unwrap();
        for seed in 0..300 {
            for input in inputs(seed) {
                assert_eq!(guest_side(&precompile, &input), None, "seed {seed}");
            }
        }
    }
}
