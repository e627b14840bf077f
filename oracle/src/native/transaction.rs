//! Whole transactions on native revm, with the one rule revm lacks (EIP-7610): the oracle
//! the executor is compared with.

use super::units::UnitCounter;
use evmpc_host::executor::collision::{storage_collision, StorageProbe};
use revm::context::result::{EVMError, ExecutionResult, InvalidTransaction};
use revm::context_interface::context::ContextSetters;
use revm::context_interface::journaled_state::JournalTr;
use revm::context_interface::local::FrameStack;
use revm::context_interface::{ContextTr, Database};
use revm::handler::evm::{ContextDbError, FrameInitResult};
use revm::handler::instructions::EthInstructions;
use revm::handler::{EthFrame, EthPrecompiles, EvmTr, FrameInitOrResult, FrameResult, Handler, ItemOrResult};
use revm::handler::{MainBuilder, MainnetEvm, MainnetHandler};
use revm::inspector::{InspectorEvmTr, InspectorHandler, JournalExt};
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_action::FrameInit;
use revm::interpreter::FrameInput;
use revm::state::EvmState;
use revm::Inspector;

/// The result of [`transact`].
pub type NativeResult<CTX> = Result<ExecutionResult, EVMError<<<CTX as ContextTr>::Db as Database>::Error>>;

/// Executes the transaction in `ctx.tx()` on native revm plus EIP-7610, and gives the
/// context back (its journal holds the changes, as after revm's `transact_one`).
pub fn transact<CTX>(ctx: CTX) -> (CTX, NativeResult<CTX>)
where
    CTX: ContextTr<Db: StorageProbe, Journal: JournalTr<State = EvmState>>,
    MainnetEvm<CTX>: EvmTr<Context = CTX, Frame = EthFrame<EthInterpreter>>,
    CTX: MainBuilder<Context = CTX>,
{
    let mut evm = Eip7610(ctx.build_mainnet());
    let result = MainnetHandler::<_, EVMError<_, InvalidTransaction>, _>::default().run(&mut evm);
    (evm.0.ctx, result)
}

/// [`transact`], counting what the guest would count for the same transaction
/// ([`UnitCounter`]): its units are what a test holds equal to the session's
/// [`Usage::units`](evmpc_host::Usage).
pub fn transact_counted<CTX>(ctx: CTX) -> (CTX, NativeResult<CTX>, UnitCounter)
where
    CTX: ContextTr<Db: StorageProbe, Journal: JournalTr<State = EvmState> + JournalExt> + ContextSetters,
    CTX: MainBuilder<Context = CTX>,
{
    let mut evm = Eip7610(ctx.build_mainnet_with_inspector(UnitCounter::default()));
    let result = MainnetHandler::<_, EVMError<_, InvalidTransaction>, _>::default().inspect_run(&mut evm);
    (evm.0.ctx, result, evm.0.inspector)
}

/// revm's mainnet EVM with a storage check on every new create frame.
struct Eip7610<CTX: ContextTr, INSP = ()>(MainnetEvm<CTX, INSP>);

impl<CTX, INSP> EvmTr for Eip7610<CTX, INSP>
where
    CTX: ContextTr<Db: StorageProbe>,
    MainnetEvm<CTX, INSP>: EvmTr<Context = CTX, Frame = EthFrame<EthInterpreter>>,
{
    type Context = CTX;
    type Instructions = EthInstructions<EthInterpreter, CTX>;
    type Precompiles = EthPrecompiles;
    type Frame = EthFrame<EthInterpreter>;

    fn all(&self) -> (&CTX, &Self::Instructions, &Self::Precompiles, &FrameStack<Self::Frame>) {
        let evm = &self.0;
        (&evm.ctx, &evm.instruction, &evm.precompiles, &evm.frame_stack)
    }

    fn all_mut(&mut self) -> (&mut CTX, &mut Self::Instructions, &mut Self::Precompiles, &mut FrameStack<Self::Frame>) {
        let evm = &mut self.0;
        (&mut evm.ctx, &mut evm.instruction, &mut evm.precompiles, &mut evm.frame_stack)
    }

    fn frame_init(&mut self, frame_input: FrameInit) -> Result<FrameInitResult<'_, Self::Frame>, ContextDbError<CTX>> {
        let is_create = matches!(frame_input.frame_input, FrameInput::Create(_));
        let collision = match self.0.frame_init(frame_input)? {
            ItemOrResult::Result(result) => return Ok(ItemOrResult::Result(result)),
            ItemOrResult::Item(_) if !is_create => None,
            ItemOrResult::Item(_) => {
                let evm = &mut self.0;
                storage_collision(&mut evm.ctx, evm.frame_stack.get())?
            }
        };
        match collision {
            Some(result) => {
                self.0.frame_stack.pop();
                Ok(ItemOrResult::Result(result))
            }
            None => Ok(ItemOrResult::Item(self.0.frame_stack.get())),
        }
    }

    fn frame_run(&mut self) -> Result<FrameInitOrResult<Self::Frame>, ContextDbError<CTX>> {
        self.0.frame_run()
    }

    fn frame_return_result(&mut self, result: FrameResult) -> Result<Option<FrameResult>, ContextDbError<CTX>> {
        self.0.frame_return_result(result)
    }
}

impl<CTX, INSP> InspectorEvmTr for Eip7610<CTX, INSP>
where
    CTX: ContextTr<Db: StorageProbe, Journal: JournalExt> + ContextSetters,
    INSP: Inspector<CTX, EthInterpreter>,
    MainnetEvm<CTX, INSP>: EvmTr<Context = CTX, Frame = EthFrame<EthInterpreter>>,
{
    type Inspector = INSP;

    fn all_inspector(&self) -> (&CTX, &Self::Instructions, &Self::Precompiles, &FrameStack<Self::Frame>, &INSP) {
        let evm = &self.0;
        (&evm.ctx, &evm.instruction, &evm.precompiles, &evm.frame_stack, &evm.inspector)
    }

    fn all_mut_inspector(
        &mut self,
    ) -> (&mut CTX, &mut Self::Instructions, &mut Self::Precompiles, &mut FrameStack<Self::Frame>, &mut INSP) {
        let evm = &mut self.0;
        (&mut evm.ctx, &mut evm.instruction, &mut evm.precompiles, &mut evm.frame_stack, &mut evm.inspector)
    }
}
