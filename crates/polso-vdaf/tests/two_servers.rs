//! The protocol end to end in one process: apps shard, the leader and the
//! helper verify and sum, and the released figures equal the plain ones;
//! every altered or misplaced share is refused and leaves the sums as they
//! were.

use polso_core::bank::ItemBank;
use polso_core::questionnaire::QuestionnairePlan;
use polso_core::schedule::Schedule;
use polso_core::{Answer, IsoWeek};
use polso_vdaf::{
    CellKey, HelperKeyPair, LeaderPending, ReportContext, Upload, VdafError, VerifyKey, WeekLayout,
    WeekShares, combine, helper_verify, shard,
};

struct Servers {
    verify_key: VerifyKey,
    helper: HelperKeyPair,
    leader_sums: WeekShares,
    helper_sums: WeekShares,
}

impl Servers {
    fn new(layout: &WeekLayout) -> Self {
        Self {
            verify_key: VerifyKey::generate().expect("verify key"),
            helper: HelperKeyPair::generate(),
            leader_sums: WeekShares::new(layout).expect("sums"),
            helper_sums: WeekShares::new(layout).expect("sums"),
        }
    }

    /// One report through both servers, as the leader places it; the sums
    /// change only if both accept it.
    fn ingest(
        &mut self,
        layout: &WeekLayout,
        placed: &ReportContext,
        upload: &Upload,
    ) -> Result<(), VdafError> {
        let (pending, leader_shares) = LeaderPending::start(
            layout,
            placed,
            &self.verify_key,
            upload.report_id,
            &upload.public_shares,
            &upload.leader_shares,
        )?;
        let (helper_out, reply) = helper_verify(
            layout,
            placed,
            &self.verify_key,
            &self.helper,
            upload.report_id,
            &upload.public_shares,
            &upload.helper_shares,
            &leader_shares,
        )?;
        let leader_out = pending.finish(layout, placed, &reply)?;
        self.leader_sums.accumulate(&leader_out)?;
        self.helper_sums.accumulate(&helper_out)?;
        Ok(())
    }

    fn release(&self, layout: &WeekLayout) -> Vec<polso_vdaf::CellFigures> {
        let leader = self.leader_sums.figure_shares(layout).expect("leader's shares");
        let helper = self.helper_sums.figure_shares(layout).expect("helper's shares");
        combine(layout, &leader, &helper).expect("combined")
    }
}

fn context(week: IsoWeek, team: &str) -> ReportContext {
    ReportContext { organisation: "org-1".to_owned(), week, team: team.to_owned() }
}

/// Device `device`'s answers: complete for most, one metric left out by
/// every fourth device, varied without a random generator.
fn answers_of(layout: &WeekLayout, bank: &ItemBank, device: usize) -> Vec<Answer> {
    let items: Vec<_> = layout
        .cells()
        .iter()
        .filter_map(|cell| match cell.key() {
            CellKey::Item(id) => Some(id.clone()),
            CellKey::Metric(_) => None,
        })
        .collect();
    items
        .iter()
        .enumerate()
        .filter(|(index, _)| device % 4 != 3 || *index != 0)
        .map(|(index, id)| {
            let item = bank.item(id.as_str()).expect("item");
            let scale = bank.scale_of(item);
            let points = usize::from(scale.max - scale.min) + 1;
            Answer {
                item: id.clone(),
                value: scale.min + ((device * 5 + index * 2 + device / 4) % points) as u8,
            }
        })
        .collect()
}

fn layouts() -> Vec<WeekLayout> {
    let bank = ItemBank::embedded();
    let first = IsoWeek::new(2026, 40).expect("week");
    let mut layouts = Vec::new();
    for plan in [QuestionnairePlan::legacy(), QuestionnairePlan::for_new_organisation()] {
        let schedule = Schedule::with_plan(bank, 17, &plan);
        for offset in 0..4 {
            layouts.push(WeekLayout::new(bank, &schedule, first.plus_weeks(offset)).expect("layout"));
        }
    }
    layouts
}

#[test]
fn twenty_devices_give_exactly_the_plain_figures_through_two_servers() {
    let bank = ItemBank::embedded();
    for layout in layouts() {
        let week = layout.week();
        let mut servers = Servers::new(&layout);
        let mut measurements = Vec::new();
        for device in 0..20 {
            let measurement = layout.measure(&answers_of(&layout, bank, device), &[]).expect("measured");
            let upload = shard(&layout, &context(week, "team-a"), &measurement, servers.helper.public())
                .expect("sharded");
            servers.ingest(&layout, &context(week, "team-a"), &upload).expect("accepted");
            measurements.push(measurement);
        }
        assert_eq!(servers.leader_sums.reports(), 20);
        assert_eq!(servers.release(&layout), layout.plain_figures(&measurements), "{week}");
        // Not a trivial layout: items and at least one metric, with answers.
        let figures = layout.plain_figures(&measurements);
        assert!(figures.iter().any(|figure| matches!(figure.key, CellKey::Metric(_)) && figure.n >= 15));
        assert!(
            figures.iter().any(|figure| matches!(figure.key, CellKey::Item(_)) && figure.n < 20),
            "an incomplete metric's items are left out"
        );
    }
}

#[test]
fn a_share_alone_is_not_the_report_and_the_sums_survive_storage() {
    let bank = ItemBank::embedded();
    let layout = layouts().remove(0);
    let week = layout.week();
    let mut servers = Servers::new(&layout);
    let measurement = layout.measure(&answers_of(&layout, bank, 1), &[]).expect("measured");
    // The same report twice gives different shares: fresh randomness each time.
    let first =
        shard(&layout, &context(week, "team-a"), &measurement, servers.helper.public()).expect("sharded");
    let second =
        shard(&layout, &context(week, "team-a"), &measurement, servers.helper.public()).expect("sharded");
    assert_ne!(first.leader_shares, second.leader_shares);
    assert_ne!(first.report_id, second.report_id);
    servers.ingest(&layout, &context(week, "team-a"), &first).expect("accepted");
    // One server's figure shares are not the figures.
    let leader_only = servers.leader_sums.figure_shares(&layout).expect("shares");
    let zero = WeekShares::new(&layout).expect("empty").figure_shares(&layout).expect("shares");
    let plain = layout.plain_figures(std::slice::from_ref(&measurement));
    match combine(&layout, &leader_only, &zero) {
        Ok(alone) => assert_ne!(alone, plain),
        // Random field elements mostly read as figures out of any range.
        Err(error) => assert!(matches!(error, VdafError::Malformed { .. }), "{error}"),
    }
    // Stored and read back, the sums release the same figures.
    let stored = servers.leader_sums.to_bytes().expect("bytes");
    servers.leader_sums = WeekShares::from_bytes(&layout, &stored).expect("read back");
    assert_eq!(servers.release(&layout), layout.plain_figures(&[measurement]));
    assert!(WeekShares::from_bytes(&layout, &stored[..stored.len() - 1]).is_err());
}

#[test]
fn a_department_is_the_sum_of_its_teams_shares() {
    let bank = ItemBank::embedded();
    let layout = layouts().remove(1);
    let week = layout.week();
    let mut team_a = Servers::new(&layout);
    let mut team_b = Servers::new(&layout);
    team_b.verify_key = team_a.verify_key.clone();
    team_b.helper = HelperKeyPair::from_secret_bytes(&team_a.helper.secret_bytes()).expect("same helper");
    let mut all = Vec::new();
    for device in 0..12 {
        let (servers, team) = if device % 2 == 0 { (&mut team_a, "team-a") } else { (&mut team_b, "team-b") };
        let measurement = layout.measure(&answers_of(&layout, bank, device), &[]).expect("measured");
        let upload =
            shard(&layout, &context(week, team), &measurement, servers.helper.public()).expect("sharded");
        servers.ingest(&layout, &context(week, team), &upload).expect("accepted");
        all.push(measurement);
    }
    team_a.leader_sums.merge(&team_b.leader_sums).expect("merged");
    team_a.helper_sums.merge(&team_b.helper_sums).expect("merged");
    assert_eq!(team_a.leader_sums.reports(), 12);
    assert_eq!(team_a.release(&layout), layout.plain_figures(&all));
}

#[test]
fn altered_moved_or_misdirected_shares_are_refused_and_count_nothing() {
    let bank = ItemBank::embedded();
    let layout = layouts().remove(2);
    let week = layout.week();
    let mut servers = Servers::new(&layout);
    let measurement = layout.measure(&answers_of(&layout, bank, 2), &[]).expect("measured");
    let upload =
        shard(&layout, &context(week, "team-a"), &measurement, servers.helper.public()).expect("sharded");

    // A leader share altered (as an app lighting a second bucket would have to).
    let mut tampered = upload.clone();
    let at = 4 + 3; // inside the first cell's measurement share, past its length
    tampered.leader_shares[at] ^= 1;
    let refused =
        servers.ingest(&layout, &context(week, "team-a"), &tampered).expect_err("tampered leader share");
    assert!(matches!(refused, VdafError::Invalid { .. } | VdafError::Malformed { .. }), "{refused}");

    // The helper's sealed shares altered.
    let mut tampered = upload.clone();
    tampered.helper_shares.ciphertext[10] ^= 0x40;
    assert!(matches!(servers.ingest(&layout, &context(week, "team-a"), &tampered), Err(VdafError::Open)));

    // A public share altered: the sealed shares are bound to them.
    let mut tampered = upload.clone();
    let last = tampered.public_shares.len() - 1;
    tampered.public_shares[last] ^= 1;
    assert!(servers.ingest(&layout, &context(week, "team-a"), &tampered).is_err());

    // The leader places the report in another team or another week.
    assert!(matches!(servers.ingest(&layout, &context(week, "team-b"), &upload), Err(VdafError::Open)));
    let other_week = WeekLayout::new(
        bank,
        &Schedule::with_plan(bank, 17, &QuestionnairePlan::for_new_organisation()),
        week.next(),
    )
    .expect("layout");
    assert!(servers.ingest(&other_week, &context(week.next(), "team-a"), &upload).is_err());

    // Sealed to another helper.
    let stranger = HelperKeyPair::generate();
    let misdirected =
        shard(&layout, &context(week, "team-a"), &measurement, stranger.public()).expect("sharded");
    assert!(matches!(servers.ingest(&layout, &context(week, "team-a"), &misdirected), Err(VdafError::Open)));

    // A verify key that is not the leader's (an app that guessed one).
    let mut other = Servers::new(&layout);
    other.helper = HelperKeyPair::from_secret_bytes(&servers.helper.secret_bytes()).expect("same helper");
    let (pending, leader_shares) = LeaderPending::start(
        &layout,
        &context(week, "team-a"),
        &other.verify_key,
        upload.report_id,
        &upload.public_shares,
        &upload.leader_shares,
    )
    .expect("started");
    let refused = helper_verify(
        &layout,
        &context(week, "team-a"),
        &servers.verify_key,
        &servers.helper,
        upload.report_id,
        &upload.public_shares,
        &upload.helper_shares,
        &leader_shares,
    );
    assert!(refused.is_err(), "leader and helper verify under different keys");
    drop(pending);

    // Nothing above counted; the untouched report still does.
    assert_eq!(servers.leader_sums.reports(), 0);
    assert_eq!(servers.helper_sums.reports(), 0);
    servers.ingest(&layout, &context(week, "team-a"), &upload).expect("the real report");
    assert_eq!(servers.release(&layout), layout.plain_figures(&[measurement]));
}

/// An app that lights a second bucket of a cell (adds 1 to another bucket of
/// its leader share, keeping the proof it made for one bucket) is refused by
/// the proof, and counts nowhere.
#[test]
fn a_report_lighting_two_buckets_of_a_cell_is_refused_by_the_proof() {
    use prio::codec::{Decode, Encode};
    use prio::field::Field128;

    let bank = ItemBank::embedded();
    let layout = layouts().remove(0);
    let week = layout.week();
    let mut servers = Servers::new(&layout);
    let measurement = layout.measure(&answers_of(&layout, bank, 1), &[]).expect("measured");
    let mut upload =
        shard(&layout, &context(week, "team-a"), &measurement, servers.helper.public()).expect("sharded");
    // The first cell's leader input share starts with its measurement share,
    // one 16-byte field element per bucket, after the frame's 4-byte length.
    let lit = measurement[0];
    let other = if lit == 0 { 1 } else { 0 };
    let at = 4 + other * 16;
    let element = Field128::get_decoded(&upload.leader_shares[at..at + 16]).expect("a field element");
    let bumped = (element + Field128::from(1u128)).get_encoded().expect("encoded");
    upload.leader_shares[at..at + 16].copy_from_slice(&bumped);
    let refused = servers.ingest(&layout, &context(week, "team-a"), &upload).expect_err("refused");
    assert!(matches!(refused, VdafError::Invalid { .. }), "the proof refuses it: {refused}");
    assert_eq!((servers.leader_sums.reports(), servers.helper_sums.reports()), (0, 0));
}

#[test]
fn every_upload_of_a_week_has_one_size_whatever_its_answers() {
    let bank = ItemBank::embedded();
    for layout in layouts() {
        let week = layout.week();
        let helper = HelperKeyPair::generate();
        let sizes: Vec<usize> = [0, 1, 3, 7]
            .into_iter()
            .map(|device| {
                let answers = if device == 0 { Vec::new() } else { answers_of(&layout, bank, device) };
                let measurement = layout.measure(&answers, &[]).expect("measured");
                shard(&layout, &context(week, "team-a"), &measurement, helper.public())
                    .expect("sharded")
                    .size()
            })
            .collect();
        assert!(sizes.windows(2).all(|pair| pair[0] == pair[1]), "{week}: {sizes:?}");
        assert!(sizes[0] < 16 * 1024, "{week}: {} bytes", sizes[0]);
    }
}

#[test]
fn a_measurement_that_does_not_fit_the_layout_is_not_sharded() {
    let layout = layouts().remove(0);
    let helper = HelperKeyPair::generate();
    let context = context(layout.week(), "team-a");
    assert!(shard(&layout, &context, &[0], helper.public()).is_err());
    let too_far: Vec<usize> = layout.cells().iter().map(|cell| cell.length()).collect();
    assert!(shard(&layout, &context, &too_far, helper.public()).is_err());
    let wrong_week = ReportContext { week: layout.week().next(), ..context };
    let empty = vec![0; layout.cells().len()];
    assert!(shard(&layout, &wrong_week, &empty, helper.public()).is_err());
}
