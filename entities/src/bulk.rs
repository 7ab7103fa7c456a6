//! A deterministic stream of tracker entities for bulk tests and examples: the `n`th
//! entity of a large sample domain, made on demand so a million of them take no memory.

use crate::{TrackerItem, sample};

/// Entities per tenant: a tenant, 3 users, 2 projects, 10 tasks (3 assigned), 4 comments.
pub const PER_TENANT: u64 = 20;

/// The `n`th entity of the domain (tenants `t0`, `t1`, … each with their members, projects,
/// tasks and comments). Tenants carry version 1, as stored ones do.
pub fn entity(n: u64) -> TrackerItem {
    let tenant = format!("t{}", n / PER_TENANT);
    let i = n % PER_TENANT;
    let project = format!("p{}", i % 2);
    match i {
        0 => {
            let mut t = sample::tenant(&tenant);
            t.version = 1;
            t.into()
        }
        1..=3 => sample::user(&tenant, &format!("u{i}")).into(),
        4..=5 => sample::project(&tenant, &format!("p{}", i - 4), "u1").into(),
        6..=8 => {
            let id = i as u32;
            sample::assigned_task(&tenant, &project, id, "u2", i as i64).into()
        }
        9..=15 => sample::task(&tenant, &project, i as u32).into(),
        _ => sample::comment(&tenant, &project, 9, &format!("c{i}"), "u3", n as i64).into(),
    }
}
