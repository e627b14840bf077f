//! Pins the ABI: its hash and the exact bytes of each boundary type. A change here is a
//! protocol change: update `spec/` and the artifact with it.

use evmpc_abi::{Action, CallRequest, CallScheme, Fork, FrameInput, FrameResult, Status, SubcallOutcome};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn abi_hash_is_pinned() {
    assert_eq!(hex(&evmpc_abi::abi_hash()), "76f8ebbe824a251ee309e8f98019bfb0d705b82d943db963145f5d562986e97b");
}

#[test]
fn frame_input_encoding_is_pinned() {
    let frame = FrameInput::call(Fork::Cancun, vec![0x60, 0x01], vec![0xaa], 1_000);
    let bytes = borsh::to_vec(&frame).unwrap();
    assert_eq!(bytes[0], 11, "fork");
    assert_eq!(bytes[1], 0, "kind: Call");
    // fork, kind + bytecode address, code, input, caller, target, value, gas, static, depth,
    // Some(context): block (7 words, beneficiary, no prevrandao), tx (origin, price, no
    // blob hashes), chain id.
    let block = 7 * 32 + 20 + 1;
    let tx = 20 + 32 + 4;
    assert_eq!(bytes.len(), 1 + 21 + (4 + 2) + (4 + 1) + 20 + 20 + 32 + 8 + 1 + 2 + 1 + block + tx + 8);
    assert_eq!(borsh::from_slice::<FrameInput>(&bytes).unwrap(), frame);
}

#[test]
fn action_encodings_are_pinned() {
    let ret = Action::Return(FrameResult { status: Status::Revert, gas_used: 7, gas_refunded: -1, output: vec![1, 2] });
    assert_eq!(hex(&borsh::to_vec(&ret).unwrap()), "00100700000000000000ffffffffffffffff020000000102");
    let call = Action::Call(CallRequest {
        scheme: CallScheme::StaticCall,
        caller: [1; 20],
        target: [2; 20],
        bytecode_address: [2; 20],
        value: [0; 32],
        transfers_value: false,
        input: vec![],
        gas_limit: 5,
        is_static: true,
    });
    let bytes = borsh::to_vec(&call).unwrap();
    assert_eq!(&bytes[..2], &[1, 3]);
    assert_eq!(borsh::from_slice::<Action>(&bytes).unwrap(), call);
    let outcome = SubcallOutcome {
        status: Status::Stop,
        gas_remaining: 1,
        gas_refunded: 0,
        output: vec![],
        created_address: None,
    };
    assert_eq!(hex(&borsh::to_vec(&outcome).unwrap()), "01010000000000000000000000000000000000000000");
}

#[test]
fn unknown_discriminants_are_refused() {
    assert!(borsh::from_slice::<Status>(&[0x04]).is_err());
    assert!(borsh::from_slice::<Fork>(&[14]).is_err());
    assert!(borsh::from_slice::<Action>(&[3]).is_err());
}
