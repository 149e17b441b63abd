// Package equity computes how fairly a trial is recruiting: who has been enrolled,
// in which groups (ethnicity, IMD quintile, SMI, sex, age band), against which
// target shares, with what statistical confidence, and what a sponsor may see.
//
// It is pure: plain values in, plain values out, no storage and no clock. The
// store, the scheduled monitor and the API build on it:
//
//	events ──Fold──▶ participants ──(count)──▶ counts ──(summarise)──▶ Dashboard
//	                                                        │
//	                                       SponsorView ◀────┘ (rounded, suppressed)
//	Dashboard.Statuses + open alerts ──PlanAlerts──▶ alerts to open / update / resolve
//	patients × parsed criteria ──Impact──▶ per-criterion exclusion by group
//
// Every statistic a sponsor sees is recomputed from disclosed (rounded or
// suppressed) counts, so no published number can be inverted to a count of 1–7.
package equity
