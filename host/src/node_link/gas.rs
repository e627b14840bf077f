//! What a call costs before anything runs, and the refusal a host function returns.

use super::contract::{CallingContract, LinkTrap};
use super::prepaid::Prepaid;
use crate::fees::{FeeSchedule, Picos};
use evmpc_abi::contract::LinkError;

/// `-error`, as the host functions return it.
pub(super) fn refused(error: LinkError) -> i64 {
    -(error as i64)
}

/// What a call of `gas_limit` gas costs before anything runs: refused when the contract
/// cannot pay even `fixed` plus its gas at the floor price per gas, else the upper bound (or all
/// the gas left, if less) charged. Returns what was charged and whether it is the bound.
pub(super) fn prepay<T: CallingContract>(
    schedule: &FeeSchedule,
    host: &mut T,
    fixed: Picos,
    gas_limit: u64,
    message_bytes: u64,
) -> Result<Result<Prepaid, LinkError>, LinkTrap> {
    let floor = schedule.floor_per_gas().checked_mul(gas_limit).and_then(|gas| gas.checked_add(fixed));
    let gas_left = host.gas_left();
    if floor.is_none_or(|floor| floor > gas_left) {
        return Ok(Err(LinkError::GasLimitTooHigh));
    }
    let bound = schedule.upper_bound(gas_limit, message_bytes).unwrap_or(Picos::MAX);
    let charged = bound.min(gas_left);
    host.charge(charged)?;
    Ok(Ok(Prepaid { charged, bounded: charged == bound }))
}
