//! Prints the access-pattern report of the sample domain: key templates per entity, what
//! lives in each index, collections, lifecycle attributes, and design warnings.
//!
//!     cargo run --example report

use dynamorm::Report;
use dynamorm_entities::{ProjectBoard, TenantWorkspace, TrackerItem};

fn main() {
    let report = Report::new::<TrackerItem>()
        .collection::<TenantWorkspace>()
        .collection::<ProjectBoard>()
        .render();
    print!("{report}");
}
