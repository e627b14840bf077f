//! Pins the ABI: its hash and the exact bytes of each boundary type. A change here is a
//! protocol change: update `spec/` and the artifact with it.

use evmpc_abi::{
    Action, CallData, CallRequest, CallScheme, Code, Fork, FrameInput, FrameResult, GuestSlice, Status, SubcallOutcome,
    SubcallOutput,
};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn abi_hash_is_pinned() {
    assert_eq!(hex(&evmpc_abi::abi_hash()), "352f142e11c22736dfff8a3695fbc60616603096b674e1a48cab6c86492f8ac1");
}

#[test]
fn frame_input_encoding_is_pinned() {
    let frame = FrameInput::call(Fork::Cancun, vec![0x60, 0x01], vec![0xaa], 1_000);
    let bytes = borsh::to_vec(&frame).unwrap();
    assert_eq!(bytes[0], 0, "kind: Call");
    assert_eq!(bytes[21], 0, "code: Inline");
    // kind + bytecode address, code, input, caller, target, value, gas, static, depth,
    // Some(context): fork, block (7 words, beneficiary, a zero prevrandao), tx (origin, price,
    // no blob hashes), chain id, the 10 Cancun precompiles.
    let block = 7 * 32 + 20 + 1 + 32;
    let tx = 20 + 32 + 4;
    let context = 1 + block + tx + 8 + (4 + 10 * 20);
    assert_eq!(bytes.len(), 21 + (1 + 4 + 2) + (1 + 4 + 1) + 20 + 20 + 32 + 8 + 1 + 2 + 1 + context);
    assert_eq!(borsh::from_slice::<FrameInput>(&bytes).unwrap(), frame);

    let nested = FrameInput {
        code: Code::Account { address: [1; 20], hash: [2; 32], len: 3 },
        input: CallData::Pending,
        context: None,
        ..frame
    };
    let bytes = borsh::to_vec(&nested).unwrap();
    assert_eq!(bytes.len(), 21 + (1 + 20 + 32 + 4) + 1 + 20 + 20 + 32 + 8 + 1 + 2 + 1, "a nested frame is small");
}

#[test]
fn action_encodings_are_pinned() {
    let output = GuestSlice { offset: 0x1000, len: 2 };
    let ret = Action::Return(FrameResult { status: Status::Revert, gas_used: 7, gas_refunded: -1, output });
    assert_eq!(hex(&borsh::to_vec(&ret).unwrap()), "00100700000000000000ffffffffffffffff0010000002000000");
    let call = Action::Call(CallRequest {
        scheme: CallScheme::StaticCall,
        caller: [1; 20],
        target: [2; 20],
        bytecode_address: [2; 20],
        code_hash: [3; 32],
        code_address: [2; 20],
        code_len: 9,
        value: [0; 32],
        transfers_value: false,
        input: GuestSlice { offset: 64, len: 4 },
        gas_limit: 5,
        is_static: true,
    });
    let bytes = borsh::to_vec(&call).unwrap();
    assert_eq!(&bytes[..2], &[1, 3]);
    assert_eq!(bytes.len(), 2 + 20 * 4 + 32 + 4 + 32 + 1 + 8 + 8 + 1);
    assert_eq!(borsh::from_slice::<Action>(&bytes).unwrap(), call);
    let outcome = SubcallOutcome {
        status: Status::Stop,
        gas_remaining: 1,
        gas_refunded: 0,
        output: SubcallOutput::Nested,
        created_address: None,
    };
    assert_eq!(hex(&borsh::to_vec(&outcome).unwrap()), "01010000000000000000000000000000000100");
}

#[test]
fn unknown_discriminants_are_refused() {
    assert!(borsh::from_slice::<Status>(&[0x04]).is_err());
    assert!(borsh::from_slice::<Fork>(&[14]).is_err());
    assert!(borsh::from_slice::<Action>(&[3]).is_err());
    assert!(borsh::from_slice::<Code>(&[3]).is_err());
    assert!(borsh::from_slice::<SubcallOutput>(&[2]).is_err());
}

#[test]
fn ethereum_precompiles_grow_by_fork() {
    use evmpc_abi::ethereum_precompiles;
    assert_eq!(ethereum_precompiles(Fork::Frontier).len(), 4);
    assert_eq!(ethereum_precompiles(Fork::Byzantium).len(), 8);
    assert_eq!(ethereum_precompiles(Fork::Cancun).len(), 10);
    assert_eq!(ethereum_precompiles(Fork::Prague).len(), 17);
    let osaka = ethereum_precompiles(Fork::Osaka);
    assert_eq!(osaka.len(), 18);
    assert!(osaka.windows(2).all(|pair| pair[0] < pair[1]), "ascending");
}
