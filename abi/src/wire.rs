//! The messages of every round trip, encoded and decoded without borsh's generic
//! machinery: the same bytes borsh produces (a test checks each type against borsh), with
//! fixed-size fields read and written in place and no value moved twice.
//!
//! A sub-call costs two messages each way; encoding them through the derived impls spent
//! a third of a round trip in small copies and moves. Borsh stays the definition of the
//! encoding (the schemas behind [`abi_hash`](crate::abi_hash)); this is its fast path for
//! [`Action`], [`FrameInput`] and [`SubcallOutcome`].

use crate::{
    Action, Address, CallData, CallRequest, CallScheme, Code, CreateRequest, CreateScheme, ExecContext, FrameInput,
    FrameKind, FrameResult, GuestSlice, Status, SubcallOutcome, SubcallOutcomeRef, SubcallOutputRef,
};
use alloc::{boxed::Box, vec::Vec};

/// The bytes are not a valid encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed;

/// Reads fixed-layout fields off the front of a message.
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`.
    #[inline]
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    /// The next `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let (head, rest) = self.bytes.split_at_checked(n).ok_or(Malformed)?;
        self.bytes = rest;
        Ok(head)
    }

    /// The next `N` bytes, as an array.
    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], Malformed> {
        let (head, rest) = self.bytes.split_first_chunk::<N>().ok_or(Malformed)?;
        self.bytes = rest;
        Ok(*head)
    }

    /// A byte.
    #[inline]
    pub fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.array::<1>()?[0])
    }

    /// A little-endian `u16`.
    #[inline]
    pub fn u16(&mut self) -> Result<u16, Malformed> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    /// A little-endian `u32`.
    #[inline]
    pub fn u32(&mut self) -> Result<u32, Malformed> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// A little-endian `u64`.
    #[inline]
    pub fn u64(&mut self) -> Result<u64, Malformed> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A little-endian `i64`.
    #[inline]
    pub fn i64(&mut self) -> Result<i64, Malformed> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    /// A bool: 0 or 1, as borsh requires.
    #[inline]
    pub fn bool(&mut self) -> Result<bool, Malformed> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Malformed),
        }
    }

    /// A `u32` length, then that many bytes (borsh's `Vec<u8>`).
    #[inline]
    pub fn bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let len = self.u32()? as usize;
        self.take(len)
    }

    /// A status code.
    #[inline]
    pub fn status(&mut self) -> Result<Status, Malformed> {
        Status::from_u8(self.u8()?).ok_or(Malformed)
    }

    /// A guest slice.
    #[inline]
    pub fn slice(&mut self) -> Result<GuestSlice, Malformed> {
        Ok(GuestSlice { offset: self.u32()?, len: self.u32()? })
    }

    /// An `Option<Address>`.
    #[inline]
    pub fn address_option(&mut self) -> Result<Option<Address>, Malformed> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.array()?)),
            _ => Err(Malformed),
        }
    }

    /// The rest, which must be empty.
    #[inline]
    pub fn finish(self) -> Result<(), Malformed> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(Malformed)
        }
    }
}

/// Where encoded bytes go: a `Vec`, or a slice of guest memory sized by
/// [`Wire::encoded_len`].
pub trait Sink {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Writes into a slice from its start; bytes past its end are dropped (and
/// [`SliceSink::written`] says how many fit).
pub struct SliceSink<'a> {
    out: &'a mut [u8],
    at: usize,
}

impl<'a> SliceSink<'a> {
    /// A sink over `out`.
    #[inline]
    pub fn new(out: &'a mut [u8]) -> Self {
        SliceSink { out, at: 0 }
    }

    /// Bytes written so far.
    #[inline]
    pub fn written(&self) -> usize {
        self.at
    }
}

impl Sink for SliceSink<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        let end = self.at.saturating_add(bytes.len());
        if let Some(target) = self.out.get_mut(self.at..end) {
            target.copy_from_slice(bytes);
        }
        self.at = end;
    }
}

/// A message with a fast, borsh-identical encoding.
pub trait Wire {
    /// Encoded length in bytes.
    fn encoded_len(&self) -> usize;
    /// Appends the encoding to `out`.
    fn encode(&self, out: &mut impl Sink);
}

#[inline]
fn slice(out: &mut impl Sink, slice: GuestSlice) {
    out.put(&slice.offset.to_le_bytes());
    out.put(&slice.len.to_le_bytes());
}

#[inline]
fn bytes(out: &mut impl Sink, bytes: &[u8]) {
    out.put(&(bytes.len() as u32).to_le_bytes());
    out.put(bytes);
}

#[inline]
fn address_option(out: &mut impl Sink, address: &Option<Address>) {
    match address {
        None => out.put(&[0]),
        Some(address) => {
            out.put(&[1]);
            out.put(address);
        }
    }
}

const FRAME_RESULT_LEN: usize = 1 + 8 + 8 + 8;
const CALL_REQUEST_LEN: usize = 1 + 20 * 4 + 32 + 4 + 32 + 1 + 8 + 8 + 1;

impl Wire for Action {
    #[inline]
    fn encoded_len(&self) -> usize {
        1 + match self {
            Action::Return(_) => FRAME_RESULT_LEN,
            Action::Call(_) => CALL_REQUEST_LEN,
            Action::Create(request) => {
                let salt = if matches!(request.scheme, CreateScheme::Create2 { .. }) { 32 } else { 0 };
                1 + salt + 20 + 32 + 8 + 1 + if request.address.is_some() { 20 } else { 0 } + 8
            }
        }
    }

    fn encode(&self, out: &mut impl Sink) {
        match self {
            Action::Return(result) => {
                out.put(&[0, result.status.to_u8()]);
                out.put(&result.gas_used.to_le_bytes());
                out.put(&result.gas_refunded.to_le_bytes());
                slice(out, result.output);
            }
            Action::Call(request) => {
                out.put(&[1, request.scheme as u8]);
                out.put(&request.caller);
                out.put(&request.target);
                out.put(&request.bytecode_address);
                out.put(&request.code_hash);
                out.put(&request.code_address);
                out.put(&request.code_len.to_le_bytes());
                out.put(&request.value);
                out.put(&[request.transfers_value as u8]);
                slice(out, request.input);
                out.put(&request.gas_limit.to_le_bytes());
                out.put(&[request.is_static as u8]);
            }
            Action::Create(request) => {
                out.put(&[2]);
                match &request.scheme {
                    CreateScheme::Create => out.put(&[0]),
                    CreateScheme::Create2 { salt } => {
                        out.put(&[1]);
                        out.put(salt);
                    }
                }
                out.put(&request.caller);
                out.put(&request.value);
                slice(out, request.init_code);
                address_option(out, &request.address);
                out.put(&request.gas_limit.to_le_bytes());
            }
        }
    }
}

impl Action {
    /// Decodes an action (the whole of `bytes`).
    ///
    /// # Errors
    /// [`Malformed`] for anything borsh would refuse.
    pub fn decode(bytes: &[u8]) -> Result<Action, Malformed> {
        let mut reader = Reader::new(bytes);
        let action = match reader.u8()? {
            0 => Action::Return(FrameResult {
                status: reader.status()?,
                gas_used: reader.u64()?,
                gas_refunded: reader.i64()?,
                output: reader.slice()?,
            }),
            1 => Action::Call(CallRequest {
                scheme: match reader.u8()? {
                    0 => CallScheme::Call,
                    1 => CallScheme::CallCode,
                    2 => CallScheme::DelegateCall,
                    3 => CallScheme::StaticCall,
                    _ => return Err(Malformed),
                },
                caller: reader.array()?,
                target: reader.array()?,
                bytecode_address: reader.array()?,
                code_hash: reader.array()?,
                code_address: reader.array()?,
                code_len: reader.u32()?,
                value: reader.array()?,
                transfers_value: reader.bool()?,
                input: reader.slice()?,
                gas_limit: reader.u64()?,
                is_static: reader.bool()?,
            }),
            2 => Action::Create(CreateRequest {
                scheme: match reader.u8()? {
                    0 => CreateScheme::Create,
                    1 => CreateScheme::Create2 { salt: reader.array()? },
                    _ => return Err(Malformed),
                },
                caller: reader.array()?,
                value: reader.array()?,
                init_code: reader.slice()?,
                address: reader.address_option()?,
                gas_limit: reader.u64()?,
            }),
            _ => return Err(Malformed),
        };
        reader.finish()?;
        Ok(action)
    }
}

impl Wire for FrameInput {
    fn encoded_len(&self) -> usize {
        let kind = match self.kind {
            FrameKind::Call { .. } => 21,
            FrameKind::Create => 1,
        };
        let code = match &self.code {
            Code::Inline(code) => 5 + code.len(),
            Code::Account { .. } => 1 + 20 + 32 + 4,
            Code::Pending => 1,
        };
        let input = match &self.input {
            CallData::Inline(input) => 5 + input.len(),
            CallData::Pending => 1,
        };
        let context = match &self.context {
            None => 1,
            Some(context) => 1 + borsh::object_length(&**context).unwrap_or(0),
        };
        kind + code + input + 20 + 20 + 32 + 8 + 1 + 2 + context
    }

    fn encode(&self, out: &mut impl Sink) {
        match &self.kind {
            FrameKind::Call { bytecode_address } => {
                out.put(&[0]);
                out.put(bytecode_address);
            }
            FrameKind::Create => out.put(&[1]),
        }
        match &self.code {
            Code::Inline(code) => {
                out.put(&[0]);
                bytes(out, code);
            }
            Code::Account { address, hash, len } => {
                out.put(&[1]);
                out.put(address);
                out.put(hash);
                out.put(&len.to_le_bytes());
            }
            Code::Pending => out.put(&[2]),
        }
        match &self.input {
            CallData::Inline(input) => {
                out.put(&[0]);
                bytes(out, input);
            }
            CallData::Pending => out.put(&[1]),
        }
        out.put(&self.caller);
        out.put(&self.target);
        out.put(&self.value);
        out.put(&self.gas_limit.to_le_bytes());
        out.put(&[self.is_static as u8]);
        out.put(&self.depth.to_le_bytes());
        match &self.context {
            None => out.put(&[0]),
            Some(context) => {
                out.put(&[1]);
                // The context travels once per session: borsh's own encoding.
                let encoded = borsh::to_vec(&**context).unwrap_or_default();
                out.put(&encoded);
            }
        }
    }
}

impl FrameInput {
    /// Decodes a frame input (the whole of `bytes`).
    ///
    /// # Errors
    /// [`Malformed`] for anything borsh would refuse.
    pub fn decode(bytes: &[u8]) -> Result<FrameInput, Malformed> {
        let mut reader = Reader::new(bytes);
        let kind = match reader.u8()? {
            0 => FrameKind::Call { bytecode_address: reader.array()? },
            1 => FrameKind::Create,
            _ => return Err(Malformed),
        };
        let code = match reader.u8()? {
            0 => Code::Inline(reader.bytes()?.to_vec()),
            1 => Code::Account { address: reader.array()?, hash: reader.array()?, len: reader.u32()? },
            2 => Code::Pending,
            _ => return Err(Malformed),
        };
        let input = match reader.u8()? {
            0 => CallData::Inline(reader.bytes()?.to_vec()),
            1 => CallData::Pending,
            _ => return Err(Malformed),
        };
        let caller = reader.array()?;
        let target = reader.array()?;
        let value = reader.array::<32>()?;
        let gas_limit = reader.u64()?;
        let is_static = reader.bool()?;
        let depth = reader.u16()?;
        let context = match reader.u8()? {
            0 => None,
            1 => {
                let rest = reader.take(reader.bytes.len())?;
                Some(Box::new(borsh::from_slice::<ExecContext>(rest).map_err(|_| Malformed)?))
            }
            _ => return Err(Malformed),
        };
        reader.finish()?;
        Ok(FrameInput { kind, code, input, caller, target, value, gas_limit, is_static, depth, context })
    }
}

impl Wire for SubcallOutcomeRef<'_> {
    fn encoded_len(&self) -> usize {
        let output = match self.output {
            SubcallOutputRef::Bytes(bytes) => 5 + bytes.len(),
            SubcallOutputRef::Nested => 1,
        };
        1 + 8 + 8 + output + if self.created_address.is_some() { 21 } else { 1 }
    }

    fn encode(&self, out: &mut impl Sink) {
        out.put(&[self.status.to_u8()]);
        out.put(&self.gas_remaining.to_le_bytes());
        out.put(&self.gas_refunded.to_le_bytes());
        match self.output {
            SubcallOutputRef::Bytes(output) => {
                out.put(&[0]);
                bytes(out, output);
            }
            SubcallOutputRef::Nested => out.put(&[1]),
        }
        address_option(out, &self.created_address);
    }
}

/// A [`SubcallOutcome`] read in place: its output bytes, if any, as a range of the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeFields {
    /// How the sub-call ended.
    pub status: Status,
    /// Gas left of the sub-call's `gas_limit`.
    pub gas_remaining: u64,
    /// Refund counter of the sub-call.
    pub gas_refunded: i64,
    /// Where the output bytes are in the message, or `None` for the nested frame's output.
    pub output: Option<core::ops::Range<usize>>,
    /// The created address.
    pub created_address: Option<Address>,
}

impl SubcallOutcome {
    /// Decodes an outcome (the whole of `bytes`), leaving its output bytes in place.
    ///
    /// # Errors
    /// [`Malformed`] for anything borsh would refuse.
    pub fn decode_in_place(bytes: &[u8]) -> Result<OutcomeFields, Malformed> {
        let mut reader = Reader::new(bytes);
        let status = reader.status()?;
        let gas_remaining = reader.u64()?;
        let gas_refunded = reader.i64()?;
        let output = match reader.u8()? {
            0 => {
                let len = reader.u32()? as usize;
                let start = bytes.len() - reader.bytes.len();
                reader.take(len)?;
                Some(start..start + len)
            }
            1 => None,
            _ => return Err(Malformed),
        };
        let created_address = reader.address_option()?;
        reader.finish()?;
        Ok(OutcomeFields { status, gas_remaining, gas_refunded, output, created_address })
    }
}

/// Encodes `message` into a new `Vec`.
pub fn to_vec(message: &impl Wire) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(message, &mut out);
    out
}

/// Encodes `message` into `out`, replacing what it held: sized once, then written field by
/// field with fixed-size copies.
pub fn encode_into(message: &impl Wire, out: &mut Vec<u8>) {
    let len = message.encoded_len();
    out.clear();
    out.resize(len, 0);
    let mut sink = SliceSink::new(out);
    message.encode(&mut sink);
    debug_assert_eq!(sink.written(), len);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Fork, SubcallOutput, TxEnv};
    use alloc::vec;

    fn actions() -> Vec<Action> {
        let request = CallRequest {
            scheme: CallScheme::DelegateCall,
            caller: [1; 20],
            target: [2; 20],
            bytecode_address: [3; 20],
            code_hash: [4; 32],
            code_address: [5; 20],
            code_len: 0x0102_0304,
            value: [6; 32],
            transfers_value: true,
            input: GuestSlice { offset: 7, len: 8 },
            gas_limit: u64::MAX - 9,
            is_static: true,
        };
        let create = |scheme, address| CreateRequest {
            scheme,
            caller: [1; 20],
            value: [2; 32],
            init_code: GuestSlice { offset: 3, len: 4 },
            address,
            gas_limit: 5,
        };
        vec![
            Action::Return(FrameResult {
                status: Status::CreateNonceOverflow,
                gas_used: 1,
                gas_refunded: -2,
                output: GuestSlice { offset: 3, len: 4 },
            }),
            Action::Call(request),
            Action::Create(create(CreateScheme::Create, None)),
            Action::Create(create(CreateScheme::Create2 { salt: [9; 32] }, Some([8; 20]))),
        ]
    }

    fn frames() -> Vec<FrameInput> {
        let root = FrameInput::call(Fork::Prague, vec![1, 2, 3], vec![4, 5], 6);
        let context = ExecContext {
            tx: TxEnv { blob_hashes: vec![[7; 32]], ..TxEnv::default() },
            ..ExecContext::new(Fork::Cancun)
        };
        vec![
            root.clone(),
            FrameInput { context: Some(Box::new(context)), ..root.clone() },
            FrameInput {
                kind: FrameKind::Create,
                code: Code::Pending,
                input: CallData::Pending,
                context: None,
                is_static: true,
                depth: 1024,
                ..root.clone()
            },
            FrameInput { code: Code::Account { address: [1; 20], hash: [2; 32], len: 3 }, context: None, ..root },
        ]
    }

    #[test]
    fn actions_encode_and_decode_as_borsh_does() {
        for action in actions() {
            let borsh = borsh::to_vec(&action).unwrap();
            assert_eq!(to_vec(&action), borsh, "{action:?}");
            assert_eq!(action.encoded_len(), borsh.len());
            assert_eq!(Action::decode(&borsh), Ok(action));
        }
    }

    #[test]
    fn frames_encode_and_decode_as_borsh_does() {
        for frame in frames() {
            let borsh = borsh::to_vec(&frame).unwrap();
            assert_eq!(to_vec(&frame), borsh, "{frame:?}");
            assert_eq!(frame.encoded_len(), borsh.len());
            assert_eq!(FrameInput::decode(&borsh), Ok(frame));
        }
    }

    #[test]
    fn outcomes_encode_and_decode_as_borsh_does() {
        for (output, created) in [(SubcallOutput::Bytes(vec![1, 2, 3]), None), (SubcallOutput::Nested, Some([4; 20]))] {
            let outcome = SubcallOutcome {
                status: Status::Revert,
                gas_remaining: 5,
                gas_refunded: -6,
                output,
                created_address: created,
            };
            let borsh = borsh::to_vec(&outcome).unwrap();
            let fast = SubcallOutcomeRef::from(&outcome);
            assert_eq!(to_vec(&fast), borsh);
            assert_eq!(fast.encoded_len(), borsh.len());
            let fields = SubcallOutcome::decode_in_place(&borsh).unwrap();
            let output = fields.output.map(|range| borsh[range].to_vec());
            assert_eq!(
                output.as_deref(),
                match &outcome.output {
                    SubcallOutput::Bytes(bytes) => Some(&bytes[..]),
                    SubcallOutput::Nested => None,
                }
            );
            assert_eq!((fields.status, fields.gas_remaining, fields.gas_refunded), (Status::Revert, 5, -6));
            assert_eq!(fields.created_address, created);
        }
    }

    #[test]
    fn what_borsh_refuses_is_refused() {
        for action in actions() {
            let mut bytes = borsh::to_vec(&action).unwrap();
            bytes.push(0);
            assert_eq!(Action::decode(&bytes), Err(Malformed), "trailing byte");
            bytes.truncate(bytes.len() - 2);
            assert_eq!(Action::decode(&bytes), Err(Malformed), "truncated");
        }
        assert_eq!(Action::decode(&[3]), Err(Malformed));
        assert_eq!(Action::decode(&[0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0]), Err(Malformed), "unknown status");
        let mut call = borsh::to_vec(&actions()[1]).unwrap();
        let flag = 2 + 20 * 4 + 32 + 4 + 32;
        call[flag] = 2;
        assert!(borsh::from_slice::<Action>(&call).is_err());
        assert_eq!(Action::decode(&call), Err(Malformed), "bool other than 0 or 1");
        for frame in frames() {
            let mut bytes = borsh::to_vec(&frame).unwrap();
            bytes.push(0);
            assert_eq!(FrameInput::decode(&bytes), Err(Malformed));
        }
    }

    #[test]
    fn a_slice_sink_writes_exactly_what_fits() {
        let action = &actions()[1];
        let mut buffer = vec![0u8; action.encoded_len()];
        let mut sink = SliceSink::new(&mut buffer);
        action.encode(&mut sink);
        assert_eq!(sink.written(), buffer.len());
        assert_eq!(buffer, borsh::to_vec(action).unwrap());
    }
}
