//! Which weeks a view counts as published, from the tables it read.

use polso_api::{AggregateTable, NextPublication};
use polso_core::IsoWeek;

/// The week the heatmap's latest period ends with: the last published week,
/// or the last closed week while nothing is published (never a later week).
pub fn latest_period_end(last_closed: IsoWeek, published_through: Option<IsoWeek>) -> IsoWeek {
    published_through.map_or(last_closed, |published| published.min(last_closed))
}

/// What a set of tables read for one view says about publication.
///
/// Tables read one after another may straddle a publication; the view takes
/// the earliest `published_through` among them, so that every series treats
/// the same weeks as published and a week whose cells one table lacks is
/// never passed off as suppressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// The last week every table counts as published; `None` when some table
    /// says nothing is published (or names no week Polso can read).
    pub published_through: Option<IsoWeek>,
    /// The next publication, as the table with that week announced it.
    pub next_publication: Option<NextPublication>,
}

impl Publication {
    /// The publication state common to `tables`; nothing published when there are none.
    pub fn of<'a>(tables: impl IntoIterator<Item = &'a AggregateTable>) -> Publication {
        let mut earliest: Option<(Option<IsoWeek>, Option<NextPublication>)> = None;
        for table in tables {
            let week = table.published_through.as_deref().and_then(|text| text.parse::<IsoWeek>().ok());
            // `None` (nothing published) orders before every week.
            if earliest.as_ref().is_none_or(|(known, _)| week < *known) {
                earliest = Some((week, table.next_publication.clone()));
            }
        }
        let (published_through, next_publication) = earliest.unwrap_or((None, None));
        Publication { published_through, next_publication }
    }

    /// Whether `week` is published.
    pub fn is_published(&self, week: IsoWeek) -> bool {
        self.published_through.is_some_and(|published| week <= published)
    }

    /// The last published week as the wire writes it.
    pub fn published_through_text(&self) -> Option<String> {
        self.published_through.map(|week| week.to_string())
    }
}
