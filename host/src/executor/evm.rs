use super::collision::{storage_collision, StorageProbe};
use super::convert;
use super::lazy::Lazy;
use super::metered::Metered;
use super::precompile_call;
use crate::error::{Error, NodeError};
use crate::fees::PricedPrecompile;
use crate::precompile::Precompile;
use crate::session::Session;
use crate::state_host::revm_host::RevmHost;
use evmpc_abi::{
    Action, CallData, CallRequest, Code, CreateRequest, Fork, FrameInput, FrameKind, FrameResult, Status,
    SubcallOutcome, SubcallOutput,
};
use revm::context::ContextError;
use revm::context_interface::journaled_state::account::JournaledAccountTr;
use revm::context_interface::journaled_state::{JournalCheckpoint, JournalTr};
use revm::context_interface::local::FrameStack;
use revm::context_interface::{Cfg, ContextTr};
use revm::handler::evm::{ContextDbError, FrameInitResult};
use revm::handler::instructions::EthInstructions;
use revm::handler::ItemOrResult;
use revm::handler::{return_create, EthFrame, EthPrecompiles, EvmTr, FrameInitOrResult, FrameResult as RevmResult};
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_action::FrameInit;
use revm::interpreter::{CallInput, FrameInput as RevmFrameInput, Host, InstructionResult, InterpreterResult};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, B256, U256};
use revm::state::{Bytecode, EvmState};
use std::time::Instant;

/// revm's EVM with one change: bytecode runs in the precompile's session, not in revm's
/// interpreter.
///
/// revm sets up the transaction's root frame (`EthFrame`: validation has run, value moved,
/// checkpoint open) and settles it (code deposit for a creating transaction). Every frame
/// nested in it is the session's. Calls to accounts with code run inline in the guest, the
/// session opening and settling their journal checkpoints (`Session::inline_calls`);
/// [`frame_run`](EvmTr::frame_run) serves the other requests in one loop, with revm's
/// rules for a sub-call (checkpoint, value transfer, Ethereum precompiles, the create
/// rules, EIP-7610, `return_create`), without a revm frame per sub-call. Call data, init code and the output of a frame returning to a
/// frame of the session stay in guest memory; the node reads them only to run an Ethereum
/// precompile, to deposit code, or as the transaction's output.
pub(crate) struct PrecompileEvm<'a, CTX: ContextTr + Host + 'static> {
    lazy: Lazy<'a, CTX>,
    instructions: EthInstructions<EthInterpreter, CTX>,
    precompiles: EthPrecompiles,
    /// The root frame only.
    frame_stack: FrameStack<EthFrame<EthInterpreter>>,
    spec: SpecId,
    fork: Fork,
    /// The session's frames above the root, innermost last.
    nested: Vec<Nested>,
    /// Why the transaction has no outcome, kept typed: revm's loop carries only a string,
    /// which must never be mistaken for a result.
    failure: Option<Error>,
}

/// What the node settles when a nested frame returns.
struct Nested {
    checkpoint: JournalCheckpoint,
    gas_limit: u64,
    /// The account a create frame creates.
    created: Option<Address>,
}

/// The sentinel revm's loop carries when [`PrecompileEvm::failure`] holds the real error.
pub(crate) const FAILURE: &str = "precompile failure (see the executor's typed error)";

impl<'a, CTX> PrecompileEvm<'a, CTX>
where
    CTX: ContextTr<Journal: JournalTr<State = EvmState>, Db: StorageProbe> + Host + 'static,
{
    /// An EVM over `ctx` whose frames will run in a session of `precompile`, set up when the
    /// first frame needs it; on failure the context comes back with the error.
    #[allow(clippy::result_large_err)]
    pub(crate) fn new(precompile: &'a Precompile<RevmHost<CTX>>, ctx: CTX) -> Result<Self, (CTX, Error)> {
        let spec: SpecId = ctx.cfg().spec().into();
        let Some(fork) = convert::fork_of(spec) else {
            return Err((ctx, NodeError::UnsupportedFork(spec).into()));
        };
        Ok(PrecompileEvm {
            lazy: Lazy::new(precompile, ctx),
            instructions: EthInstructions::new_mainnet_with_spec(spec),
            precompiles: EthPrecompiles::new(spec),
            frame_stack: FrameStack::new_prealloc(1),
            spec,
            fork,
            nested: Vec::new(),
            failure: None,
        })
    }

    /// Ends the session and gives the context back with the typed failure, if any.
    pub(crate) fn finish(self) -> (CTX, Option<Error>, Metered) {
        let (ctx, metered) = self.lazy.finish();
        (ctx, self.failure, metered)
    }

    /// The session, set up on first use.
    fn session(&mut self) -> Result<&mut Session<RevmHost<CTX>>, ContextDbError<CTX>> {
        match self.lazy.session() {
            Ok(_) => {}
            Err(error) => return Err(self.fail(error)),
        }
        self.lazy.session().map_err(|_| ContextError::Custom(FAILURE.into()))
    }

    /// Keeps `error` and gives revm's loop the sentinel.
    fn fail(&mut self, error: Error) -> ContextDbError<CTX> {
        self.failure.get_or_insert(error);
        ContextError::Custom(FAILURE.into())
    }

    fn ctx(&mut self) -> &mut CTX {
        self.lazy.ctx_mut()
    }

    fn start(&mut self, frame: &FrameInput) -> Result<Action, ContextDbError<CTX>> {
        let started = self.session()?.start(frame);
        started.map_err(|error| self.fail(error))
    }

    fn resume(&mut self, outcome: &SubcallOutcome) -> Result<Action, ContextDbError<CTX>> {
        let resumed = self.session()?.resume(outcome);
        resumed.map_err(|error| self.fail(error))
    }

    /// The guest's view of the root frame, which revm has set up.
    fn root_input(&mut self) -> Result<FrameInput, ContextDbError<CTX>> {
        let context = Box::new(convert::exec_context(self.lazy.ctx(), self.fork, &self.precompiles));
        let frame = self.frame_stack.get();
        let (kind, code, input) = match &frame.input {
            RevmFrameInput::Create(inputs) => {
                (FrameKind::Create, Code::Inline(inputs.init_code().to_vec()), CallData::Inline(Vec::new()))
            }
            RevmFrameInput::Call(inputs) => {
                let input = match &inputs.input {
                    CallInput::Bytes(bytes) => bytes.to_vec(),
                    CallInput::SharedBuffer(_) => Vec::new(),
                };
                let bytecode_address = inputs.bytecode_address;
                let ctx = self.lazy.ctx_mut();
                let (address, hash, bytecode) = code_of(ctx, bytecode_address)?;
                let len = bytecode.original_byte_slice().len().min(u32::MAX as usize) as u32;
                let code = Code::Account { address: address.0 .0, hash: hash.0, len };
                (FrameKind::Call { bytecode_address: bytecode_address.0 .0 }, code, CallData::Inline(input))
            }
            RevmFrameInput::Empty => return Err(ContextError::Custom("a frame without input".into())),
        };
        let frame = self.frame_stack.get();
        let interpreter = &frame.interpreter;
        Ok(FrameInput {
            kind,
            code,
            input,
            caller: interpreter.input.caller_address.0 .0,
            target: interpreter.input.target_address.0 .0,
            value: interpreter.input.call_value.to_be_bytes(),
            gas_limit: interpreter.gas.limit(),
            is_static: interpreter.runtime_flag.is_static,
            depth: 0,
            context: Some(context),
        })
    }

    /// Opens a nested frame's record and starts the frame; its depth is its parent's plus
    /// one: the number of frames open in the session (the root at depth 0, the frames the
    /// guest runs inline, and those started here).
    fn enter(&mut self, nested: Nested, mut frame: FrameInput) -> Result<Action, ContextDbError<CTX>> {
        self.nested.push(nested);
        frame.depth = u16::try_from(self.lazy.running().map_or(0, |session| session.suspended())).unwrap_or(u16::MAX);
        self.start(&frame)
    }

    /// Serves a guest frame's call: revm's call-frame rules, then a nested frame of the
    /// session (or an Ethereum precompile, run here).
    fn call(&mut self, request: &CallRequest) -> Result<Action, ContextDbError<CTX>> {
        if self.precompiles.contains(&Address::from(request.bytecode_address)) {
            let precompiles = &self.precompiles;
            let ran = match self.lazy.session() {
                Ok(session) => precompile_call::call(session, precompiles, request),
                Err(error) => Err(precompile_call::PrecompileFailure::Session(error)),
            };
            let resumed = match ran {
                Ok(ran) => self.session()?.resume(ran.outcome()),
                Err(precompile_call::PrecompileFailure::Session(error)) => return Err(self.fail(error)),
                // revm's loop carries its own failures as text.
                Err(precompile_call::PrecompileFailure::NotAPrecompile(address)) => {
                    return Err(ContextError::Custom(format!("{address} is not a precompile")))
                }
                Err(precompile_call::PrecompileFailure::NotPriced(address)) => {
                    return Err(ContextError::Custom(format!("{address} is not a priced precompile")))
                }
                Err(precompile_call::PrecompileFailure::Fatal(error)) => {
                    return Err(ContextError::Custom(error.to_string()))
                }
            };
            return resumed.map_err(|error| self.fail(error));
        }
        let (caller, target) = (Address::from(request.caller), Address::from(request.target));
        let journal = self.ctx().journal_mut();
        let checkpoint = journal.checkpoint();
        if request.transfers_value {
            if let Some(error) = journal.transfer_loaded(caller, target, U256::from_be_bytes(request.value)) {
                journal.checkpoint_revert(checkpoint);
                let status = wire_status(InstructionResult::from(error));
                return self.resume(&SubcallOutcome::empty(status, request.gas_limit));
            }
        }
        if request.code_len == 0 {
            // Nothing runs. The guest answers such calls itself unless the address is a
            // precompile by the context it was given; served the same way here.
            journal.checkpoint_commit();
            return self.resume(&SubcallOutcome::empty(Status::Stop, request.gas_limit));
        }
        let frame = FrameInput::nested(request, 0);
        self.enter(Nested { checkpoint, gas_limit: request.gas_limit, created: None }, frame)
    }

    /// Serves a guest frame's create: revm's create-frame rules (funds, nonce, address,
    /// collision) plus EIP-7610, then a nested frame running the pending init code.
    fn create(&mut self, request: &CreateRequest) -> Result<Action, ContextDbError<CTX>> {
        let caller = Address::from(request.caller);
        let value = U256::from_be_bytes(request.value);
        let refused = |status| SubcallOutcome::empty(status, request.gas_limit);
        let spec = self.spec;
        let journal = self.ctx().journal_mut();
        let mut account = journal.load_account_mut(caller).map_err(ContextError::Db)?.data;
        if *account.balance() < value {
            drop(account);
            return self.resume(&refused(Status::OutOfFunds));
        }
        let nonce = account.nonce();
        if !account.bump_nonce() {
            drop(account);
            return self.resume(&refused(Status::CreateNonceOverflow));
        }
        drop(account);
        let address = request.address.map_or_else(|| caller.create(nonce), Address::from);
        journal.load_account(address).map_err(ContextError::Db)?;
        let checkpoint = match journal.create_account_checkpoint(caller, address, value, spec) {
            Ok(checkpoint) => checkpoint,
            Err(error) => return self.resume(&refused(wire_status(InstructionResult::from(error)))),
        };
        if self.ctx().db_mut().has_storage(address).map_err(ContextError::Db)? {
            self.ctx().journal_mut().checkpoint_revert(checkpoint);
            return self.resume(&refused(Status::CreateCollision));
        }
        let frame = FrameInput {
            kind: FrameKind::Create,
            code: Code::Pending,
            input: CallData::Inline(Vec::new()),
            caller: request.caller,
            target: address.0 .0,
            value: request.value,
            gas_limit: request.gas_limit,
            is_static: false,
            depth: 0,
            context: None,
        };
        self.enter(Nested { checkpoint, gas_limit: request.gas_limit, created: Some(address) }, frame)
    }

    /// Settles a returned nested frame and gives the outcome its caller resumes with: a
    /// call's checkpoint is kept or undone; a create's goes through revm's `return_create`
    /// (size limit, 0xEF prefix, deposit gas, code), reading the code out of guest memory.
    fn returned(&mut self, result: &FrameResult) -> Result<SubcallOutcome, ContextDbError<CTX>> {
        let Some(frame) = self.nested.pop() else {
            return Err(ContextError::Custom("a nested frame returned with none open".into()));
        };
        let gas_remaining = if result.status.is_halt() { 0 } else { result.gas_remaining(frame.gas_limit) };
        let Some(address) = frame.created else {
            let journal = self.ctx().journal_mut();
            if result.status.is_success() {
                journal.checkpoint_commit();
            } else {
                journal.checkpoint_revert(frame.checkpoint);
            }
            return Ok(SubcallOutcome {
                status: result.status,
                gas_remaining,
                gas_refunded: result.gas_refunded,
                output: SubcallOutput::Nested,
                created_address: None,
            });
        };
        let code = match result.status.is_success() {
            true => self.output(result.output)?,
            false => Bytes::new(),
        };
        let action = convert::frame_return(result, frame.gas_limit, code);
        let revm::interpreter::InterpreterAction::Return(mut created) = action else {
            return Err(ContextError::Custom("a frame's return became a request".into()));
        };
        return_create(self.ctx(), frame.checkpoint, &mut created, address);
        Ok(create_outcome(&created, address))
    }
}

impl<CTX> PrecompileEvm<'_, CTX>
where
    CTX: ContextTr<Journal: JournalTr<State = EvmState>, Db: StorageProbe> + Host + 'static,
{
    /// Bytes the guest left in its memory, copied out.
    fn output(&mut self, slice: evmpc_abi::GuestSlice) -> Result<Bytes, ContextDbError<CTX>> {
        let copied = self.session()?.bytes(slice).map(Bytes::copy_from_slice);
        copied.map_err(|error| self.fail(error))
    }
}

/// The outcome of a create frame after revm's `return_create`.
fn create_outcome(created: &InterpreterResult, address: Address) -> SubcallOutcome {
    let status = wire_status(created.result);
    SubcallOutcome {
        status,
        gas_remaining: if status.is_halt() { 0 } else { created.gas.remaining() },
        gas_refunded: if status.is_success() { created.gas.refunded() } else { 0 },
        output: if status.is_revert() { SubcallOutput::Nested } else { SubcallOutput::Bytes(Vec::new()) },
        created_address: status.is_success().then_some(address.0 .0),
    }
}

/// The wire status of a result revm's rules produced (always one the ABI names).
fn wire_status(result: InstructionResult) -> Status {
    convert::status(result).unwrap_or(Status::OutOfGas)
}

/// The code `address` runs, following an EIP-7702 delegation, as revm's CALL loads it:
/// the account holding it, its hash and the code.
fn code_of<CTX: ContextTr>(ctx: &mut CTX, address: Address) -> Result<(Address, B256, Bytecode), ContextDbError<CTX>> {
    let journal = ctx.journal_mut();
    let account = journal.load_account_with_code(address).map_err(ContextError::Db)?;
    let info = &account.data.info;
    let code = info.code.clone().unwrap_or_default();
    let Some(delegate) = code.eip7702_address() else {
        return Ok((address, info.code_hash, code));
    };
    let account = journal.load_account_with_code(delegate).map_err(ContextError::Db)?;
    let info = &account.data.info;
    Ok((delegate, info.code_hash, info.code.clone().unwrap_or_default()))
}

impl<CTX> EvmTr for PrecompileEvm<'_, CTX>
where
    CTX: ContextTr<Journal: JournalTr<State = EvmState>, Db: StorageProbe> + Host + 'static,
{
    type Context = CTX;
    type Instructions = EthInstructions<EthInterpreter, CTX>;
    type Precompiles = EthPrecompiles;
    type Frame = EthFrame<EthInterpreter>;

    fn all(&self) -> (&CTX, &Self::Instructions, &Self::Precompiles, &FrameStack<Self::Frame>) {
        (self.lazy.ctx(), &self.instructions, &self.precompiles, &self.frame_stack)
    }

    fn all_mut(&mut self) -> (&mut CTX, &mut Self::Instructions, &mut Self::Precompiles, &mut FrameStack<Self::Frame>) {
        (self.lazy.ctx_mut(), &mut self.instructions, &mut self.precompiles, &mut self.frame_stack)
    }

    /// Sets the transaction's root frame up with revm's rules (plus EIP-7610 for a creating
    /// transaction). Nested frames never come here: [`frame_run`](EvmTr::frame_run) serves
    /// them.
    fn frame_init(&mut self, frame_input: FrameInit) -> Result<FrameInitResult<'_, Self::Frame>, ContextDbError<CTX>> {
        if self.frame_stack.index().is_some() {
            return Err(ContextError::Custom("the session runs nested frames itself".into()));
        }
        let precompile = match &frame_input.frame_input {
            RevmFrameInput::Call(inputs) if self.precompiles.contains(&inputs.bytecode_address) => {
                let input = match &inputs.input {
                    CallInput::Bytes(bytes) => bytes.as_ref(),
                    CallInput::SharedBuffer(_) => &[],
                };
                PricedPrecompile::of(&inputs.bytecode_address.0 .0, self.spec, input)
            }
            _ => None,
        };
        let started = Instant::now();
        let new_frame = self.frame_stack.start_init();
        let ctx = self.lazy.ctx_mut();
        let token = match EthFrame::init_with_context(new_frame, ctx, &mut self.precompiles, frame_input)? {
            ItemOrResult::Item(token) => token,
            ItemOrResult::Result(result) => {
                if let Some(precompile) = precompile {
                    let gas = result.gas();
                    self.lazy.ran_precompile(precompile, gas.limit() - gas.remaining(), started.elapsed());
                }
                return Ok(ItemOrResult::Result(result));
            }
        };
        // SAFETY: the token comes from `start_init` of this stack, as in revm's own
        // `Evm::frame_init`.
        unsafe { self.frame_stack.end_init(token) };
        let ctx = self.lazy.ctx_mut();
        if let Some(collision) = storage_collision(ctx, self.frame_stack.get())? {
            self.frame_stack.pop();
            return Ok(ItemOrResult::Result(collision));
        }
        Ok(ItemOrResult::Item(self.frame_stack.get()))
    }

    /// Runs the root frame in the session, serving every request of the session's frames,
    /// until the root returns; then settles it through revm's frame.
    fn frame_run(&mut self) -> Result<FrameInitOrResult<Self::Frame>, ContextDbError<CTX>> {
        let root = self.root_input()?;
        let mut action = self.start(&root)?;
        let result = loop {
            action = match action {
                Action::Return(result) if self.nested.is_empty() => break result,
                Action::Return(result) => {
                    let outcome = self.returned(&result)?;
                    self.resume(&outcome)?
                }
                Action::Call(request) => self.call(&request)?,
                Action::Create(request) => self.create(&request)?,
            };
        };
        let frame = self.frame_stack.get();
        let gas_limit = frame.interpreter.gas.limit();
        let output = self.output(result.output)?;
        let action = convert::frame_return(&result, gas_limit, output);
        let ctx = self.lazy.ctx_mut();
        let frame = self.frame_stack.get();
        let next = frame.process_next_action::<CTX, ContextDbError<CTX>>(ctx, action)?;
        frame.set_finished(true);
        Ok(next)
    }

    fn frame_return_result(&mut self, result: RevmResult) -> Result<Option<RevmResult>, ContextDbError<CTX>> {
        self.frame_stack.pop();
        Ok(Some(result))
    }
}
