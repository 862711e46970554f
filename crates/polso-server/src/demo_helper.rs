//! The demo's helper: `cargo xtask run` shows two-server aggregation with a
//! helper held by "RSU Demo Srl", on its own database (`DIR/helper.db`), its
//! own key and its own port, served beside the organisation's server by the
//! same `polso-server demo` process. The demo's last
//! [`TWO_SERVER_WEEKS`] weeks go through the real protocol when it is
//! seeded: each generated report is sharded and sealed as the app does it,
//! kept by the organisation's server, and verified with the helper; they
//! are published with the helper when HR first reads. An app that joins the
//! demo pins the helper and sends its weeks as shares.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use polso_core::IsoWeek;
use polso_core::bank::ItemBank;
use polso_core::schedule::Schedule;
use polso_vdaf::{HelperPublicKey, ReportContext, WeekLayout, shard};

use crate::SystemClock;
use crate::admin::{HelperToLink, link_helper};
use crate::demo::DemoSharedReport;
use crate::helper::{Helper, to_base64};
use crate::helper_store::HelperStore;
use crate::leader::{LocalHelperApi, accept_shared_report, verify_pending};
use crate::store::{OrganisationTree, ServerStore};

/// The helper's database inside the demo directory.
pub const HELPER_DATABASE_FILE: &str = "helper.db";

/// The helper's address kept from one run to the next, inside the demo directory.
pub const HELPER_ADDRESS_FILE: &str = "helper-address";

/// Who holds the demo's helper.
pub const HELPER_PARTY: &str = "RSU Demo Srl";

/// How many of the demo's last weeks are aggregated with the helper.
pub const TWO_SERVER_WEEKS: usize = 4;

/// What the person trying the demo is told of its helper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoHelper {
    /// Who holds it.
    pub party: String,
    /// Its key's fingerprint.
    pub fingerprint: String,
    /// Where it listens this run.
    pub address: SocketAddr,
}

/// Links the freshly seeded demo organisation to a new helper from
/// `from_week`, and sends `shared` (the generated reports of those weeks)
/// through the protocol: sharded, sealed, kept by the organisation's server,
/// verified with the helper.
pub fn seed_two_server_weeks(
    dir: &Path,
    store: &dyn crate::store::admin::AdminStore,
    tree: &OrganisationTree,
    from_week: IsoWeek,
    shared: &[DemoSharedReport],
) -> Result<()> {
    let helper_store =
        HelperStore::open(&dir.join(HELPER_DATABASE_FILE)).context("creating the demo helper's database")?;
    let keys = helper_store.init(HELPER_PARTY).context("making the demo helper's key")?;
    let helper = HelperToLink {
        // The address is set on each run (`prepare_helper`).
        url: "http://127.0.0.1:1".to_owned(),
        party: HELPER_PARTY.to_owned(),
        public_key: to_base64(keys.public().as_bytes()),
        from_week,
    };
    let pairing =
        link_helper(store, &tree.organisation.id, &helper, crate::ServerConfig::default().publication())
            .context("linking the demo to its helper")?;
    helper_store.pair(&pairing, chrono::Utc::now()).context("pairing the demo helper")?;

    let bank = ItemBank::embedded();
    let organisation = &tree.organisation;
    let schedule = Schedule::with_plan(bank, organisation.seed, &organisation.questionnaire);
    let secret = store.receipt_secret()?;
    for seed in shared {
        let week: IsoWeek = seed.report.week.parse()?;
        let layout = WeekLayout::new(bank, &schedule, week).map_err(|error| anyhow!("{error}"))?;
        let (answers, not_applicable) =
            polso_api::report_answers::report_answers(bank, &seed.report).map_err(|error| anyhow!(error))?;
        let measurement = layout.measure(&answers, &not_applicable).map_err(|error| anyhow!("{error}"))?;
        let context =
            ReportContext { organisation: organisation.id.clone(), week, team: seed.team_id.clone() };
        let upload =
            shard(&layout, &context, &measurement, keys.public()).map_err(|error| anyhow!("{error}"))?;
        let report = polso_vdaf::to_wire(week, &upload);
        accept_shared_report(store, &secret, &seed.token, tree, &seed.team_id, &report)
            .with_context(|| format!("sending a demo report of {week} as shares"))?;
    }
    let helper = LocalHelperApi::new(Arc::new(Helper::new(helper_store, Arc::new(SystemClock))));
    let round =
        verify_pending(store, &helper, tree).context("verifying the demo's reports with its helper")?;
    anyhow::ensure!(round.rejected == 0, "the demo helper refused {} of its reports", round.rejected);
    Ok(())
}

/// The demo's helper for this run, if the demo has one: its address (chosen by
/// `choose_address` from the file that keeps it: the last run's when free, else
/// a new port) written into the organisation's link, so the organisation's
/// server reaches it there.
pub fn prepare_helper(
    dir: &Path,
    store: &dyn ServerStore,
    organisation_id: &str,
    choose_address: &dyn Fn(&Path) -> Result<(SocketAddr, bool)>,
) -> Result<Option<DemoHelper>> {
    let database = dir.join(HELPER_DATABASE_FILE);
    let Some(shared) = store.shared() else { return Ok(None) };
    let Some(mut link) = shared.helper_link(organisation_id)? else { return Ok(None) };
    if !database.exists() {
        return Ok(None);
    }
    let helper_store = HelperStore::open(&database).context("opening the demo helper's database")?;
    let (party, keys) = helper_store.identity()?.context("the demo helper has no key")?;
    let (address, _) = choose_address(&dir.join(HELPER_ADDRESS_FILE))?;
    link.url = format!("http://{address}");
    shared.set_helper_link(organisation_id, &link)?;
    let public = HelperPublicKey::from_bytes(keys.public().as_bytes()).map_err(|error| anyhow!("{error}"))?;
    Ok(Some(DemoHelper { party, fingerprint: public.fingerprint(), address }))
}

/// The demo's helper over its database, to serve.
pub fn open_helper(dir: &Path) -> Result<Helper> {
    let store =
        HelperStore::open(&dir.join(HELPER_DATABASE_FILE)).context("opening the demo helper's database")?;
    Ok(Helper::new(store, Arc::new(SystemClock)))
}
