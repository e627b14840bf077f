//! A guest frame's call to an Ethereum precompile, run by the node on call data read in
//! place from guest memory.
//!
//! revm's own frame set-up would need the call data as `Bytes`: a copy of up to the whole
//! of the caller's memory for a precompile that may read 128 bytes of it (ecrecover) or
//! none past its header (modexp). Native revm passes the precompile a slice of its shared
//! memory; this does the same with the guest's. The steps are revm's for a precompile
//! call: checkpoint, value transfer, run, keep or undo.

use super::convert;
use crate::error::Error;
use crate::fees::PricedPrecompile;
use crate::session::Session;
use crate::state_host::revm_host::RevmHost;
use evmpc_abi::{CallRequest, Status, SubcallOutcomeRef, SubcallOutputRef};
use revm::context_interface::journaled_state::JournalTr;
use revm::context_interface::ContextTr;
use revm::handler::{precompile_output_to_interpreter_result, EthPrecompiles};
use revm::interpreter::{Host, InstructionResult};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, U256};
use std::time::Instant;

/// What came of a precompile call: the outcome, with the output the node produced.
pub(crate) struct Ran {
    status: Status,
    gas_remaining: u64,
    output: Bytes,
}

impl Ran {
    fn refused(status: Status, gas_limit: u64) -> Ran {
        Ran { status, gas_remaining: gas_limit, output: Bytes::new() }
    }

    /// The outcome to resume with; the output is written into guest memory without a copy
    /// of its own.
    pub(crate) fn outcome(&self) -> SubcallOutcomeRef<'_> {
        SubcallOutcomeRef {
            status: self.status,
            gas_remaining: self.gas_remaining,
            gas_refunded: 0,
            output: SubcallOutputRef::Bytes(&self.output),
            created_address: None,
        }
    }
}

/// Why a precompile call has no outcome.
pub(crate) enum PrecompileFailure {
    /// The guest named call data outside its memory.
    Session(Error),
    /// The address is not an Ethereum precompile of the fork.
    NotAPrecompile(Address),
    /// The address is a precompile the fee schedule does not price.
    NotPriced(Address),
    /// The precompile reported a fatal error (not a halt).
    Fatal(revm::precompile::PrecompileError),
}

/// Runs the precompile at `request.bytecode_address` for a guest frame's call, timed into
/// the session's meter (checkpoint, transfer and run: everything the node does for it) and
/// counted for its fee by the gas it consumed.
pub(crate) fn call<CTX: ContextTr + Host + 'static>(
    session: &mut Session<RevmHost<CTX>>,
    precompiles: &EthPrecompiles,
    request: &CallRequest,
) -> Result<Ran, PrecompileFailure> {
    let started = Instant::now();
    let address = Address::from(request.bytecode_address);
    let Some(precompile) = precompiles.precompiles.get(&address) else {
        return Err(PrecompileFailure::NotAPrecompile(address));
    };
    let (ran, priced) = run(session, precompile, request, precompiles.spec)?;
    let Some(priced) = priced else {
        return Err(PrecompileFailure::NotPriced(address));
    };
    let consumed = request.gas_limit.saturating_sub(ran.gas_remaining);
    session.ran_precompile(priced, consumed, started.elapsed());
    Ok(ran)
}

/// revm's steps for a precompile call: checkpoint, value transfer, run, keep or undo. Gives
/// the outcome and how `spec` prices the call, by its input (modexp's modulus parity; an
/// empty input when the transfer failed and nothing ran).
fn run<CTX: ContextTr + Host + 'static>(
    session: &mut Session<RevmHost<CTX>>,
    precompile: &revm::precompile::Precompile,
    request: &CallRequest,
    spec: SpecId,
) -> Result<(Ran, Option<PricedPrecompile>), PrecompileFailure> {
    let journal = session.host_mut().ctx.journal_mut();
    let checkpoint = journal.checkpoint();
    if request.transfers_value {
        let (caller, target) = (Address::from(request.caller), Address::from(request.target));
        if let Some(error) = journal.transfer_loaded(caller, target, U256::from_be_bytes(request.value)) {
            journal.checkpoint_revert(checkpoint);
            let status = convert::status(InstructionResult::from(error)).unwrap_or(Status::OutOfFunds);
            let priced = PricedPrecompile::of(&request.bytecode_address, spec, &[]);
            return Ok((Ran::refused(status, request.gas_limit), priced));
        }
    }
    let input = session.bytes(request.input).map_err(PrecompileFailure::Session)?;
    let priced = PricedPrecompile::of(&request.bytecode_address, spec, input);
    let output = precompile.execute(input, request.gas_limit, 0);
    let journal = session.host_mut().ctx.journal_mut();
    let result = match output {
        Ok(output) => precompile_output_to_interpreter_result(output, request.gas_limit),
        Err(error) => {
            journal.checkpoint_revert(checkpoint);
            return Err(PrecompileFailure::Fatal(error));
        }
    };
    if result.result.is_ok() {
        journal.checkpoint_commit();
    } else {
        journal.checkpoint_revert(checkpoint);
    }
    let status = convert::status(result.result).unwrap_or(Status::PrecompileError);
    let gas_remaining = if status.is_halt() { 0 } else { result.gas.remaining() };
    Ok((Ran { status, gas_remaining, output: result.output }, priced))
}
