//! What a suspended frame asked for, kept in the guest so that the nested frame and the
//! outcome the node sends back can be checked against it.

use crate::message::Received;
use crate::operand_stack::GuestTypes;
use alloc::boxed::Box;
use evmpc_abi::{
    Action, BoundaryError, CallData, CallRequest, CallScheme, Code, CreateRequest, CreateScheme, FrameInput, FrameKind,
    GuestSlice, Status,
};
use revm_interpreter::interpreter_types::MemoryTr;
use revm_interpreter::primitives::{Address, Bytes};
use revm_interpreter::{CallInput, CallInputs, CreateInputs, Interpreter};

/// The pending request of a suspended frame, as revm's instruction produced it.
pub(crate) enum Pending {
    /// CALL, CALLCODE, DELEGATECALL or STATICCALL; the call data is a range of the frame's
    /// memory.
    Call {
        /// revm's inputs.
        inputs: Box<CallInputs>,
        /// The account holding the callee's code, and the code's length.
        code: (Address, u32),
    },
    /// CREATE or CREATE2; the init code was copied out of memory by the instruction.
    Create {
        /// revm's inputs.
        inputs: Box<CreateInputs>,
        /// The CREATE2 address, derived in the guest.
        address: Option<Address>,
    },
}

/// What came of the nested frame that serves a pending request, if one ran.
pub(crate) enum Child {
    /// No nested frame has started.
    Waiting,
    /// A nested frame started; it runs, or waits above on the stack.
    Started,
    /// The nested frame returned.
    Returned(Returned),
    /// The call runs inline, above on the stack: the node opened its frame through
    /// `call_enter` and sees nothing until `call_exit`.
    Inline,
}

/// A nested frame's result, kept until the node's outcome arrives.
pub(crate) struct Returned {
    pub(crate) status: Status,
    pub(crate) gas_remaining: u64,
    pub(crate) gas_refunded: i64,
    pub(crate) output: Bytes,
}

/// Where `bytes` sit in guest memory.
pub(crate) fn slice_of(bytes: &[u8]) -> GuestSlice {
    if bytes.is_empty() {
        return GuestSlice::EMPTY;
    }
    GuestSlice { offset: bytes.as_ptr() as usize as u32, len: bytes.len() as u32 }
}

impl Pending {
    /// A pending create; for CREATE2 the new address is derived here (its init code hash is
    /// what CREATE2's hashing gas paid for), hashed by the node.
    pub(crate) fn create(inputs: Box<CreateInputs>) -> Pending {
        let address = match inputs.scheme() {
            revm_interpreter::CreateScheme::Create2 { salt } => {
                Some(inputs.caller().create2(salt.to_be_bytes::<32>(), crate::keccak::keccak256(inputs.init_code())))
            }
            _ => None,
        };
        Pending::Create { inputs, address }
    }

    /// Gas the request gives the sub-call.
    pub(crate) fn gas_limit(&self) -> u64 {
        match self {
            Pending::Call { inputs, .. } => inputs.gas_limit,
            Pending::Create { inputs, .. } => inputs.gas_limit(),
        }
    }

    /// Encodes the request as the node sees it into `out`: bytes are named by where they
    /// sit in guest memory.
    pub(crate) fn emit_action(&self, interpreter: &Interpreter<GuestTypes>, out: &mut alloc::vec::Vec<u8>) {
        let action = match self {
            Pending::Call { inputs, code } => {
                let input = match &inputs.input {
                    CallInput::SharedBuffer(range) => slice_of(&interpreter.memory.global_slice(range.clone())),
                    CallInput::Bytes(bytes) => slice_of(bytes),
                };
                Action::Call(CallRequest {
                    scheme: match inputs.scheme {
                        revm_interpreter::CallScheme::Call => CallScheme::Call,
                        revm_interpreter::CallScheme::CallCode => CallScheme::CallCode,
                        revm_interpreter::CallScheme::DelegateCall => CallScheme::DelegateCall,
                        revm_interpreter::CallScheme::StaticCall => CallScheme::StaticCall,
                    },
                    caller: inputs.caller.0 .0,
                    target: inputs.target_address.0 .0,
                    bytecode_address: inputs.bytecode_address.0 .0,
                    code_hash: inputs.known_bytecode.0 .0,
                    code_address: code.0 .0 .0,
                    code_len: code.1,
                    value: inputs.value.get().to_be_bytes::<32>(),
                    transfers_value: inputs.value.is_transfer(),
                    input,
                    gas_limit: inputs.gas_limit,
                    is_static: inputs.is_static,
                })
            }
            Pending::Create { inputs, address } => Action::Create(CreateRequest {
                scheme: match inputs.scheme() {
                    revm_interpreter::CreateScheme::Create2 { salt } => {
                        CreateScheme::Create2 { salt: salt.to_be_bytes::<32>() }
                    }
                    _ => CreateScheme::Create,
                },
                caller: inputs.caller().0 .0,
                value: inputs.value().to_be_bytes::<32>(),
                init_code: slice_of(inputs.init_code()),
                address: address.map(|address| address.0 .0),
                gas_limit: inputs.gas_limit(),
            }),
        };
        evmpc_abi::wire::encode_into(&action, out);
    }

    /// Refuses a nested frame that does not serve this request exactly.
    pub(crate) fn check_frame(&self, frame: &FrameInput) -> Result<(), BoundaryError> {
        let agrees = match self {
            Pending::Call { inputs, .. } => {
                frame.kind == FrameKind::Call { bytecode_address: inputs.bytecode_address.0 .0 }
                    && frame.caller == inputs.caller.0 .0
                    && frame.target == inputs.target_address.0 .0
                    && frame.value == inputs.value.get().to_be_bytes::<32>()
                    && frame.gas_limit == inputs.gas_limit
                    && frame.is_static == inputs.is_static
                    && frame.input == CallData::Pending
                    && matches!(&frame.code, Code::Account { hash, .. } if *hash == inputs.known_bytecode.0 .0)
            }
            Pending::Create { inputs, address } => {
                frame.kind == FrameKind::Create
                    && frame.caller == inputs.caller().0 .0
                    && frame.value == inputs.value().to_be_bytes::<32>()
                    && frame.gas_limit == inputs.gas_limit()
                    && !frame.is_static
                    && frame.code == Code::Pending
                    && matches!(&frame.input, CallData::Inline(bytes) if bytes.is_empty())
                    && address.is_none_or(|address| frame.target == address.0 .0)
            }
        };
        if agrees {
            Ok(())
        } else {
            Err(BoundaryError::FrameMismatch)
        }
    }

    /// Refuses an outcome this request cannot have had, given the nested frame that ran it
    /// (if any).
    pub(crate) fn check_outcome(&self, child: &Child, outcome: &Received) -> Result<(), BoundaryError> {
        let nested = outcome.output.is_none();
        let agrees = outcome.gas_remaining <= self.gas_limit()
            && match (self, child) {
                (_, Child::Started | Child::Inline) => false,
                (_, Child::Waiting) => !nested && self.check_created(outcome),
                // The node cannot change what a nested call frame ended with.
                (Pending::Call { .. }, Child::Returned(returned)) => {
                    nested
                        && outcome.created_address.is_none()
                        && outcome.status == returned.status
                        && outcome.gas_remaining == returned.gas_remaining
                        && outcome.gas_refunded == returned.gas_refunded
                }
                // Code deposit turns a successful create into `Return` or a halt and may
                // cost it gas; nothing else changes.
                (Pending::Create { .. }, Child::Returned(returned)) => {
                    let deposited = returned.status.is_success() && !outcome.status.is_revert();
                    let same_status = outcome.status == returned.status || deposited;
                    same_status
                        && outcome.gas_remaining <= returned.gas_remaining
                        && (returned.status.is_success() || outcome.gas_remaining == returned.gas_remaining)
                        && (!nested || outcome.status.is_revert())
                        && self.check_created(outcome)
                }
            };
        if agrees {
            Ok(())
        } else {
            Err(BoundaryError::OutcomeMismatch)
        }
    }

    /// A call creates nothing; a successful create names its address (the CREATE2 one).
    fn check_created(&self, outcome: &Received) -> bool {
        match (self, outcome.created_address) {
            (Pending::Call { .. }, created) => created.is_none(),
            (Pending::Create { address, .. }, created) => {
                if !outcome.status.is_success() {
                    return true;
                }
                match (created, address) {
                    (None, _) => false,
                    (Some(created), Some(address)) => created == address.0 .0,
                    (Some(_), None) => true,
                }
            }
        }
    }
}
