use crate::imports::{ImportSig, EXPORTS, IMPORTS, IMPORT_MODULE, MEMORY_EXPORT};
use crate::records::{self, AccountRecord, SelfDestructRecord, SSTORE_RECORD_SIZE};
use crate::{limits, Action, BoundaryError, FrameInput, Status, SubcallOutcome};
use alloc::{format, string::String, vec::Vec};
use borsh::schema::BorshSchemaContainer;
use sha2::{Digest, Sha256};

/// The canonical description the ABI hash is taken over.
///
/// It holds the borsh schemas of [`FrameInput`], [`Action`] and [`SubcallOutcome`]
/// (borsh-encoded, so every field, type and discriminant counts), the import and export
/// tables, the record sizes, the limits, the status and boundary-error codes and the unit
/// tables the guest counts by ([`units`](crate::units)). Change any of them
/// and the hash changes.
pub fn abi_description() -> Vec<u8> {
    let mut out = Vec::new();
    for container in [
        BorshSchemaContainer::for_type::<FrameInput>(),
        BorshSchemaContainer::for_type::<Action>(),
        BorshSchemaContainer::for_type::<SubcallOutcome>(),
    ] {
        let encoded = borsh::to_vec(&container).unwrap_or_default();
        out.extend_from_slice(&(encoded.len() as u64).to_le_bytes());
        out.extend_from_slice(&encoded);
    }
    let mut text = String::new();
    text.push_str(&format!("imports {IMPORT_MODULE}\n"));
    for sig in IMPORTS {
        text.push_str(&signature_line(sig));
    }
    text.push_str(&format!("exports {MEMORY_EXPORT}\n"));
    for sig in EXPORTS {
        text.push_str(&signature_line(sig));
    }
    text.push_str(&format!(
        "records account={} selfdestruct={} sstore={}\n",
        AccountRecord::SIZE,
        SelfDestructRecord::SIZE,
        SSTORE_RECORD_SIZE
    ));
    text.push_str(&format!(
        "limits code={} initcode={} calldata={} evm-memory={} message={} handover={} code-cache={} code-padding={} guest-memory={} depth={} topics={}\n",
        limits::MAX_CODE_SIZE,
        limits::MAX_INITCODE_SIZE,
        limits::MAX_CALLDATA_SIZE,
        limits::MAX_EVM_MEMORY,
        limits::MAX_MESSAGE_SIZE,
        limits::HANDOVER_SIZE,
        limits::MAX_CODE_CACHE,
        limits::CODE_PADDING,
        limits::MAX_GUEST_MEMORY,
        limits::MAX_CALL_DEPTH,
        limits::MAX_LOG_TOPICS,
    ));
    text.push_str(&format!(
        "call transfers-value={} entered={} not-served={}\n",
        records::call::TRANSFERS_VALUE,
        records::call::ENTERED,
        records::call::NOT_SERVED
    ));
    for status in Status::ALL {
        text.push_str(&format!("status {status:?}={:#04x}\n", status.to_u8()));
    }
    for error in BoundaryError::ALL {
        text.push_str(&format!("boundary {error:?}={}\n", error.to_u8()));
    }
    for (kind, name, class, units) in crate::units::rows() {
        text.push_str(&format!("units {kind} {name} {class}={units}\n"));
    }
    out.extend_from_slice(text.as_bytes());
    out
}

/// The ABI hash: sha256 of [`abi_description`].
///
/// # Examples
/// ```
/// let hash = evmpc_abi::abi_hash();
/// assert_eq!(hash, evmpc_abi::abi_hash());
/// ```
pub fn abi_hash() -> [u8; 32] {
    Sha256::digest(abi_description()).into()
}

fn signature_line(sig: &ImportSig) -> String {
    let params: Vec<&str> = sig.params.iter().map(|t| t.name()).collect();
    let results: Vec<&str> = sig.results.iter().map(|t| t.name()).collect();
    format!("fn {}({}) -> ({})\n", sig.name, params.join(","), results.join(","))
}
