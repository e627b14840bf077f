//! Embeds the precompile the way a node does: one engine per process, the precompile
//! linked to the node's `EvmHost`, one session per transaction, sub-calls served by the node.
//! The callee's code and call data never leave the guest: the nested frame names them.
//!
//! Run with `cargo run -p evmpc-host --example embed`.

use evmpc_host::{
    Action, Engine, EngineConfig, Error, Fork, FrameInput, MemoryHost, Precompile, SubcallOutcome, SubcallOutput,
};

fn main() -> Result<(), Error> {
    let engine = Engine::new(&EngineConfig::default())?;
    let precompile = Precompile::<MemoryHost>::new(&engine)?;

    // The caller stores 1 in slot 0 then calls 0xcc…cc, which returns 32 bytes of 0x2a.
    let callee_code = hex("602a60005260206000f3");
    // PUSH1 1 PUSH1 0 SSTORE; CALL(GAS, 0xcc…cc, 0, 0, 0, 0, 32); PUSH1 0 MLOAD PUSH1 1 SSTORE; STOP
    let caller_code = hex(&format!("60016000556020600060006000600073{}5af160005160015500", "cc".repeat(20)));
    let frame = FrameInput::call(Fork::Cancun, caller_code, Vec::new(), 1_000_000);
    let mut host = MemoryHost::for_frame(&frame);
    host.insert_account([0xcc; 20], Default::default(), 1, &callee_code);

    let mut session = precompile.session(host)?;
    let mut action = session.start(&frame)?;
    loop {
        match action {
            Action::Return(result) => {
                println!("status {:?}, gas used {}, refund {}", result.status, result.gas_used, result.gas_refunded);
                break;
            }
            Action::Call(request) => {
                println!("sub-call to 0x{} with {} gas", hex_string(&request.target), request.gas_limit);
                // The node would open a checkpoint and move the call's value here.
                let nested = FrameInput::nested(&request, 1);
                let result = session.start(&nested)?.into_return().expect("the callee makes no sub-call");
                println!("the callee returned 0x{}", hex_string(session.bytes(result.output)?));
                let outcome = SubcallOutcome {
                    status: result.status,
                    gas_remaining: result.gas_remaining(nested.gas_limit),
                    gas_refunded: result.gas_refunded,
                    output: SubcallOutput::Nested,
                    created_address: None,
                };
                action = session.resume(&outcome)?;
            }
            Action::Create(_) => unreachable!("the example creates nothing"),
        }
    }
    for (address, slot, before, after) in session.into_host().storage_changes() {
        println!(
            "0x{} [{}] {} -> {}",
            hex_string(&address),
            hex_string(&slot),
            hex_string(&before),
            hex_string(&after)
        );
    }
    Ok(())
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
