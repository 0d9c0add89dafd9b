//! What the programme achieved: the figures each event files after it ended (footfall, sales,
//! media reach, photos), and the programme report for any date range — JSON, CSV, XLSX, the
//! staff page and the public numbers of a year.
//!
//! Invariants: figures are filed only for an approved event that has ended, by its own
//! organization or staff; once staff confirm them only staff change them; only confirmed figures
//! count in the report. The request to file and its one reminder are sent once each, whatever
//! the number of processes: each is claimed with a guarded `UPDATE` in the transaction of its
//! outbox message.

pub mod api;
pub mod figures;
pub mod programme;
pub mod store;

use chrono::TimeDelta;

/// How long after its end an event's figures are due.
pub const FILE_WITHIN: TimeDelta = TimeDelta::days(14);
/// How long before the deadline the reminder goes out.
pub const REMIND_BEFORE: TimeDelta = TimeDelta::days(3);
/// Events that ended longer ago than this when the service first sees them are not asked (a
/// new deployment does not write to every past applicant).
pub const ASK_WITHIN: TimeDelta = TimeDelta::days(7);
