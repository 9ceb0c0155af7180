//! How an account, a portfolio or the whole net worth is doing: the time-weighted return
//! (daily sub-periods, chain-linked), the money-weighted return (XIRR over the same flows), the
//! simple profit, and what the same flows would be worth invested in a benchmark (BTC, ETH, or
//! held as cash).
//!
//! The rules, numbered (each is a function below):
//! 1. A day's value is its closing value, net of debt; a day whose value is unknown (a missing
//!    price, an account not read) is unknown, never 0, and any return over a range holding such
//!    a day is unknown ([`Twr::missing`] says which days).
//! 2. Time-weighted, as Portfolio Performance's TTWROR: money coming in counts at the start of
//!    its day, money going out at its end: `delta = (V + out) / (V_prev + in) − 1`, chained as
//!    `(1 + R) = Π (1 + delta)`. A day that starts with nothing (`V_prev + in = 0`) has no
//!    return (0) and is listed in [`Twr::without_assets`]. The day before the first day is
//!    worth 0, so a first day's deposit is its starting value.
//! 3. Shown cumulative for a range shorter than a year; annualised as `(1 + R)^(365/days) − 1`
//!    only for a year or more ([`annualised`]), and labelled so.
//! 4. Money-weighted: the rate `r` at which the flows (money in negative, money out positive)
//!    and the final value, discounted by `(1 + r)^((day − first day) / 365)`, sum to 0 (XIRR,
//!    actual/365, as pyxirr and spreadsheets compute it).
//! 5. Simple profit: value now − (money in − money out).
//! 6. A benchmark invests each flow in the benchmark asset at that day's price (or keeps it as
//!    cash): its value is the units held × the day's price.
//! 7. Simple return: the profit over the capital at work, `profit / (value at the start +
//!    money in)`; an asset's contribution is its profit over the same capital
//!    ([`simple_return`]), so the contributions add up to the simple return.
//!
//! Divisions are exact decimals to 28 significant digits; the XIRR is found by bisection in
//! decimals (it is a rate, not an amount) to 1e-15.

use chrono::NaiveDate;
use rust_decimal::prelude::*;
use rust_decimal::MathematicalOps;

/// One day of a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    /// The closing value, net of debt; `None` when unknown.
    pub value: Option<Decimal>,
    /// Money that came in that day (counted at its start).
    pub inflow: Decimal,
    /// Money that went out that day (counted at its end).
    pub outflow: Decimal,
}

/// A time-weighted return over a series of days.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Twr {
    /// The cumulative return (0.03 is +3 %); `None` when a day's value is unknown.
    pub cumulative: Option<Decimal>,
    /// Each day's return, `None` for a day whose value (or the day before's) is unknown.
    pub daily: Vec<Option<Decimal>>,
    /// Days whose value is unknown.
    pub missing: Vec<NaiveDate>,
    /// Days that started with nothing to earn a return on.
    pub without_assets: Vec<NaiveDate>,
}

/// Rules 1 and 2.
pub fn twr(days: &[Day]) -> Twr {
    let mut out = Twr::default();
    let mut growth = Decimal::ONE;
    // The value the day starts from: 0 before the first day, unknown after an unknown day.
    let mut previous = Some(Decimal::ZERO);
    for d in days {
        let delta = match (previous, d.value) {
            (Some(p), Some(v)) => {
                let base = p + d.inflow;
                if base.is_zero() {
                    out.without_assets.push(d.date);
                    Some(Decimal::ZERO)
                } else {
                    Some((v + d.outflow) / base - Decimal::ONE)
                }
            }
            _ => None,
        };
        if d.value.is_none() {
            out.missing.push(d.date);
        }
        if let Some(delta) = delta {
            growth *= Decimal::ONE + delta;
        }
        out.daily.push(delta);
        previous = d.value;
    }
    out.cumulative = out.missing.is_empty().then(|| growth - Decimal::ONE);
    out
}

/// Rule 3: the yearly rate of a cumulative return over `days` days, only for a year or more.
pub fn annualised(cumulative: Decimal, days: u32) -> Option<Decimal> {
    if days < 365 || cumulative <= Decimal::NEGATIVE_ONE {
        return None;
    }
    let years = Decimal::from(days) / Decimal::from(365);
    let growth = (Decimal::ONE + cumulative).checked_ln()? / years;
    Some(growth.checked_exp()? - Decimal::ONE)
}

/// Rule 5.
pub fn simple_profit(value_now: Decimal, money_in: Decimal, money_out: Decimal) -> Decimal {
    value_now - (money_in - money_out)
}

/// Flows summed per day, as `(days since the first, amount)`, oldest first.
fn by_day(flows: &[(NaiveDate, Decimal)], first: NaiveDate) -> Vec<(i64, Decimal)> {
    let mut days: Vec<(i64, Decimal)> = flows
        .iter()
        .map(|(d, a)| ((*d - first).num_days(), *a))
        .collect();
    days.sort_by_key(|(d, _)| *d);
    let mut out: Vec<(i64, Decimal)> = Vec::with_capacity(days.len());
    for (d, a) in days {
        match out.last_mut() {
            Some((last, sum)) if *last == d => *sum += a,
            _ => out.push((d, a)),
        }
    }
    out
}

/// The discounted sum of `flows` at `g = ln(1 + r)`; `None` if a term overflows. One `exp`
/// per sum: a flow `n` days in is discounted by `q^n`, `q = e^(−g/365)`, each day's factor the
/// one before times `q` to the gap (a few multiplications where an `exp` per flow was costly).
fn discounted(flows: &[(i64, Decimal)], g: Decimal) -> Option<Decimal> {
    let q = (-g / Decimal::from(365)).checked_exp()?;
    let mut sum = Decimal::ZERO;
    let (mut day, mut factor) = (0i64, Decimal::ONE);
    for (d, amount) in flows {
        if *d != day {
            factor = factor.checked_mul(q.checked_powi(*d - day)?)?;
            day = *d;
        }
        sum = sum.checked_add(amount.checked_mul(factor)?)?;
    }
    Some(sum)
}

/// Rule 4: the XIRR of dated amounts (money in negative, money out and the final value
/// positive). `None` without both signs, or when no rate in −99.99 % to 10^8 % a year fits.
pub fn xirr(flows: &[(NaiveDate, Decimal)]) -> Option<Decimal> {
    let first = flows.iter().map(|(d, _)| *d).min()?;
    if !flows.iter().any(|(_, a)| *a > Decimal::ZERO)
        || !flows.iter().any(|(_, a)| *a < Decimal::ZERO)
    {
        return None;
    }
    let timed = by_day(flows, first);
    // Bisection on g = ln(1 + r): the discounted sum falls as g rises when money goes in
    // first. Widen the bracket from ±1 until the sign changes (or a term overflows).
    let mut width = Decimal::ONE;
    let (mut lo, mut hi) = loop {
        let (lo, hi) = (-width, width);
        let (flo, fhi) = (discounted(&timed, lo)?, discounted(&timed, hi)?);
        if flo.is_sign_negative() != fhi.is_sign_negative() || flo.is_zero() || fhi.is_zero() {
            break (lo, hi);
        }
        if width >= Decimal::from(16) {
            return None;
        }
        width *= Decimal::TWO;
    };
    let f_lo_negative = discounted(&timed, lo)?.is_sign_negative();
    let tolerance = Decimal::new(1, 15);
    while hi - lo > tolerance {
        let mid = (lo + hi) / Decimal::TWO;
        let f = discounted(&timed, mid)?;
        if f.is_zero() {
            lo = mid;
            hi = mid;
            break;
        }
        if f.is_sign_negative() == f_lo_negative {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let g = (lo + hi) / Decimal::TWO;
    Some(g.checked_exp()? - Decimal::ONE)
}

/// Rule 6: the benchmark's value on each day of `days` (`None` where the price is unknown,
/// and after it until a price is known again), each day's net flow (`net_flows[i]`, amount in
/// − amount out, one per day) bought or sold at that day's price; with no prices (`None`
/// asset) the flows are kept as cash.
pub fn benchmark_values(
    days: &[NaiveDate],
    net_flows: &[Decimal],
    prices: Option<&dyn Fn(NaiveDate) -> Option<Decimal>>,
) -> Vec<Option<Decimal>> {
    let mut units = Decimal::ZERO;
    let mut known = true;
    days.iter()
        .enumerate()
        .map(|(i, day)| {
            let flow = net_flows.get(i).copied().unwrap_or_default();
            match prices {
                None => {
                    units += flow;
                    Some(units)
                }
                Some(price_of) => match price_of(*day) {
                    Some(p) if !p.is_zero() && known => {
                        units += flow / p;
                        Some(units * p)
                    }
                    _ => {
                        // A flow on a day without a price cannot be invested: from then on
                        // the benchmark is unknown.
                        known &= flow.is_zero();
                        None
                    }
                },
            }
        })
        .collect()
}

/// Rule 7: the simple return, profit over the capital at work (the value at the start plus
/// the money put in); an asset's share of it is its profit over the same capital, so the
/// shares add up to the whole. `None` when no capital was at work.
pub fn simple_return(profit: Decimal, start_value: Decimal, money_in: Decimal) -> Option<Decimal> {
    let capital = start_value + money_in;
    (capital > Decimal::ZERO).then(|| profit / capital)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    use chrono::Datelike;

    fn day(n: u32, value: &str, inflow: &str, outflow: &str) -> Day {
        Day {
            date: NaiveDate::from_ymd_opt(2024, 1, n).unwrap(),
            value: Some(d(value)),
            inflow: d(inflow),
            outflow: d(outflow),
        }
    }

    fn r12(v: Option<Decimal>) -> Option<Decimal> {
        v.map(|v| v.round_dp(12))
    }

    #[test]
    fn portfolio_performances_worked_example_is_plus_three_percent() {
        // 10,000 → 15,300 with 5,000 deposited at the start; → 13,000 with 2,000 withdrawn at
        // the end; → 13,390. Daily +2 %, −1.9608 %, +3 %: +3 % in all.
        let days = [
            day(1, "10000", "10000", "0"),
            day(2, "15300", "5000", "0"),
            day(3, "13000", "0", "2000"),
            day(4, "13390", "0", "0"),
        ];
        let r = twr(&days);
        assert_eq!(r12(r.cumulative), Some(d("0.03")));
        assert_eq!(r12(r.daily[1]), Some(d("0.02")));
        assert_eq!(r12(r.daily[2]), Some(d("-0.019607843137")));
        assert!(r.without_assets.is_empty());
    }

    #[test]
    fn a_deposit_the_day_before_a_fall_does_not_count_as_a_loss_of_skill() {
        // 1,000 held; 100,000 deposited at the start of a −50 % day.
        let days = [day(1, "1000", "1000", "0"), day(2, "50500", "100000", "0")];
        assert_eq!(r12(twr(&days).cumulative), Some(d("-0.5")));
    }

    #[test]
    fn a_withdrawal_to_zero_and_back_skips_the_empty_days() {
        let days = [
            day(1, "100", "100", "0"),
            day(2, "0", "0", "110"),
            day(3, "0", "0", "0"),
            day(4, "55", "50", "0"),
        ];
        let r = twr(&days);
        // +10 % on day 2, nothing on day 3, +10 % on day 4.
        assert_eq!(r12(r.cumulative), Some(d("0.21")));
        assert_eq!(
            r.without_assets,
            vec![NaiveDate::from_ymd_opt(2024, 1, 3).unwrap()]
        );
    }

    #[test]
    fn an_unknown_day_makes_the_range_unknown_not_zero() {
        let mut days = vec![
            day(1, "100", "100", "0"),
            day(2, "110", "0", "0"),
            day(3, "121", "0", "0"),
        ];
        days[1].value = None;
        let r = twr(&days);
        assert_eq!(r.cumulative, None);
        assert_eq!(r.daily[1], None);
        assert_eq!(r.daily[2], None, "the day after an unknown day has no base");
        assert_eq!(r.missing.len(), 1);
    }

    #[test]
    fn annualised_only_for_a_year_or_more() {
        assert_eq!(annualised(d("0.5"), 364), None);
        assert_eq!(
            annualised(d("0.21"), 730).map(|v| v.round_dp(10)),
            Some(d("0.1"))
        );
    }

    #[test]
    fn xirr_of_one_year_is_the_plain_rate() {
        let flows = [
            (NaiveDate::from_ymd_opt(2023, 1, 1).unwrap(), d("-1000")),
            (NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), d("1100")),
        ];
        assert_eq!(xirr(&flows).map(|r| r.round_dp(9)), Some(d("0.1")));
        assert_eq!(xirr(&flows[..1]), None);
    }

    #[test]
    fn a_benchmark_without_flows_moves_with_its_price() {
        let days: Vec<NaiveDate> = (1..=3)
            .map(|n| NaiveDate::from_ymd_opt(2024, 1, n).unwrap())
            .collect();
        let price = |day: NaiveDate| Some(Decimal::from(40_000 + 1_000 * day.day0() as i64));
        let flows = [d("1000"), d("0"), d("0")];
        let values = benchmark_values(&days, &flows, Some(&price));
        let series: Vec<Day> = days
            .iter()
            .zip(&values)
            .map(|(date, v)| Day {
                date: *date,
                value: *v,
                inflow: if *date == days[0] {
                    d("1000")
                } else {
                    Decimal::ZERO
                },
                outflow: Decimal::ZERO,
            })
            .collect();
        // 40,000 → 42,000: +5 %.
        assert_eq!(r12(twr(&series).cumulative), Some(d("0.05")));
        let cash = benchmark_values(&days, &flows, None);
        assert_eq!(cash, vec![Some(d("1000")); 3]);
    }

    #[test]
    fn the_simple_return_is_profit_over_the_capital_at_work() {
        // 1,000 at the start, 500 put in, 150 profit: 10 %; nothing at work: no return.
        assert_eq!(simple_return(d("150"), d("1000"), d("500")), Some(d("0.1")));
        assert_eq!(simple_return(d("0"), d("0"), d("0")), None);
    }
}
