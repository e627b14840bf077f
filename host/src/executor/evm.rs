use super::convert;
use crate::engine::Precompile;
use crate::error::Error;
use crate::revm_host::RevmHost;
use crate::session::Session;
use evmpc_abi::{FrameInput, FrameKind, SubcallOutcome};
use revm::context::ContextError;
use revm::context_interface::journaled_state::JournalTr;
use revm::context_interface::local::FrameStack;
use revm::context_interface::{Cfg, ContextTr};
use revm::handler::evm::{ContextDbError, FrameInitResult};
use revm::handler::instructions::EthInstructions;
use revm::handler::{EthFrame, EthPrecompiles, EvmTr, FrameInitOrResult, FrameResult};
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_action::FrameInit;
use revm::interpreter::{FrameInput as RevmFrameInput, Host};
use revm::primitives::{Address, B256};
use revm::state::{Bytecode, EvmState};

/// revm's EVM with one change: a frame's bytecode runs in the precompile's session, not in
/// revm's interpreter. Frames are still revm's `EthFrame`s (checkpoints, value transfer,
/// precompiles, create rules and code deposit are revm's); their interpreter only serves as
/// the record of the frame's inputs.
pub(crate) struct PrecompileEvm<CTX: ContextTr + Host + 'static> {
    session: Session<RevmHost<CTX>>,
    instructions: EthInstructions<EthInterpreter, CTX>,
    precompiles: EthPrecompiles,
    frame_stack: FrameStack<EthFrame<EthInterpreter>>,
    /// The outcome of the sub-call the suspended top frame waits for.
    pending: Option<SubcallOutcome>,
    /// Whether the guest has the block and transaction context already.
    context_sent: bool,
}

fn custom<E>(error: impl std::fmt::Display) -> ContextError<E> {
    ContextError::Custom(error.to_string())
}

impl<CTX> PrecompileEvm<CTX>
where
    CTX: ContextTr<Journal: JournalTr<State = EvmState>> + Host + 'static,
{
    /// A new session over `ctx`; on failure the context comes back with the error.
    #[allow(clippy::result_large_err)]
    pub(crate) fn new(precompile: &Precompile<RevmHost<CTX>>, ctx: CTX) -> Result<Self, (CTX, Error)> {
        let spec = ctx.cfg().spec().into();
        let session = precompile.try_session(RevmHost::new(ctx)).map_err(|(host, error)| (host.ctx, error))?;
        Ok(PrecompileEvm {
            session,
            instructions: EthInstructions::new_mainnet_with_spec(spec),
            precompiles: EthPrecompiles::new(spec),
            frame_stack: FrameStack::new_prealloc(8),
            pending: None,
            context_sent: false,
        })
    }

    /// Ends the session and gives the context back.
    pub(crate) fn into_context(self) -> CTX {
        self.session.into_host().ctx
    }

    /// The guest's view of the top frame.
    fn frame_input(&mut self) -> Result<FrameInput, ContextDbError<CTX>> {
        let ctx = &self.session.host().ctx;
        let fork = convert::fork_of(ctx.cfg().spec().into())
            .ok_or_else(|| custom(format!("fork {:?} is not executed by the precompile", ctx.cfg().spec().into())))?;
        let context = (!self.context_sent).then(|| convert::exec_context(ctx));
        let frame = self.frame_stack.get();
        let interpreter = &frame.interpreter;
        let (kind, code) = match &frame.input {
            RevmFrameInput::Create(inputs) => (FrameKind::Create, inputs.init_code().to_vec()),
            _ => {
                let bytecode_address = interpreter.input.bytecode_address.unwrap_or(interpreter.input.target_address);
                (
                    FrameKind::Call { bytecode_address: bytecode_address.0 .0 },
                    interpreter.bytecode.original_byte_slice().to_vec(),
                )
            }
        };
        let input = match &frame.input {
            RevmFrameInput::Call(inputs) => match &inputs.input {
                revm::interpreter::CallInput::Bytes(bytes) => bytes.to_vec(),
                revm::interpreter::CallInput::SharedBuffer(_) => {
                    return Err(custom("call data in a shared buffer: only the guest's frames create calls"))
                }
            },
            _ => Vec::new(),
        };
        self.context_sent = true;
        Ok(FrameInput {
            fork,
            kind,
            code,
            input,
            caller: interpreter.input.caller_address.0 .0,
            target: interpreter.input.target_address.0 .0,
            value: interpreter.input.call_value.to_be_bytes(),
            gas_limit: interpreter.gas.limit(),
            is_static: interpreter.runtime_flag.is_static,
            depth: u16::try_from(frame.depth).map_err(custom)?,
            context,
        })
    }
}

/// The code `address` runs, following an EIP-7702 delegation, as revm's CALL loads it.
fn code_of<CTX: ContextTr>(ctx: &mut CTX, address: Address) -> Result<(B256, Bytecode), ContextDbError<CTX>> {
    let journal = ctx.journal_mut();
    let account = journal.load_account_with_code(address).map_err(ContextError::Db)?;
    let info = &account.data.info;
    let code = info.code.clone().unwrap_or_default();
    let Some(delegate) = code.eip7702_address() else {
        return Ok((info.code_hash, code));
    };
    let delegate = journal.load_account_with_code(delegate).map_err(ContextError::Db)?;
    let info = &delegate.data.info;
    Ok((info.code_hash, info.code.clone().unwrap_or_default()))
}

impl<CTX> EvmTr for PrecompileEvm<CTX>
where
    CTX: ContextTr<Journal: JournalTr<State = EvmState>> + Host + 'static,
{
    type Context = CTX;
    type Instructions = EthInstructions<EthInterpreter, CTX>;
    type Precompiles = EthPrecompiles;
    type Frame = EthFrame<EthInterpreter>;

    fn all(&self) -> (&CTX, &Self::Instructions, &Self::Precompiles, &FrameStack<Self::Frame>) {
        (&self.session.host().ctx, &self.instructions, &self.precompiles, &self.frame_stack)
    }

    fn all_mut(&mut self) -> (&mut CTX, &mut Self::Instructions, &mut Self::Precompiles, &mut FrameStack<Self::Frame>) {
        (&mut self.session.host_mut().ctx, &mut self.instructions, &mut self.precompiles, &mut self.frame_stack)
    }

    fn frame_init(&mut self, frame_input: FrameInit) -> Result<FrameInitResult<'_, Self::Frame>, ContextDbError<CTX>> {
        let is_first_init = self.frame_stack.index().is_none();
        let new_frame = if is_first_init { self.frame_stack.start_init() } else { self.frame_stack.get_next() };
        let ctx = &mut self.session.host_mut().ctx;
        let result = EthFrame::init_with_context(new_frame, ctx, &mut self.precompiles, frame_input)?;
        Ok(result.map_item(|token| {
            // SAFETY: the token comes from `start_init`/`get_next` of this stack, as in
            // revm's own `Evm::frame_init`.
            unsafe {
                if is_first_init {
                    self.frame_stack.end_init(token)
                } else {
                    self.frame_stack.push(token)
                }
            }
            self.frame_stack.get()
        }))
    }

    fn frame_run(&mut self) -> Result<FrameInitOrResult<Self::Frame>, ContextDbError<CTX>> {
        let action = match self.pending.take() {
            Some(outcome) => self.session.resume(&outcome),
            None => {
                let input = self.frame_input()?;
                self.session.start(&input)
            }
        }
        .map_err(custom)?;
        let frame = self.frame_stack.get();
        let gas_limit = frame.interpreter.gas.limit();
        let ctx = &mut self.session.host_mut().ctx;
        let mut load_error = None;
        let action = convert::interpreter_action(action, gas_limit, |address| {
            code_of(ctx, address).unwrap_or_else(|error| {
                load_error = Some(error);
                (B256::ZERO, Bytecode::default())
            })
        });
        if let Some(error) = load_error {
            return Err(error);
        }
        let next = frame.process_next_action::<CTX, ContextDbError<CTX>>(ctx, action)?;
        if next.is_result() {
            frame.set_finished(true);
        }
        Ok(next)
    }

    fn frame_return_result(&mut self, result: FrameResult) -> Result<Option<FrameResult>, ContextDbError<CTX>> {
        if self.frame_stack.get().is_finished() {
            self.frame_stack.pop();
        }
        if self.frame_stack.index().is_none() {
            return Ok(Some(result));
        }
        let ctx = &mut self.session.host_mut().ctx;
        revm::context_interface::context::take_error::<ContextDbError<CTX>, _>(ctx.error())?;
        self.frame_stack.get().interpreter.memory.free_child_context();
        self.pending = Some(convert::subcall_outcome(&result).map_err(custom)?);
        Ok(None)
    }
}
