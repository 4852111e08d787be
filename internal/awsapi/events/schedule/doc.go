// Package schedule parses the schedule expressions of EventBridge rules,
// rate(value unit) and cron(minutes hours day-of-month month day-of-week
// year), and computes when a rule fires next, for PutRule's validation
// and for the controller that runs scheduled rules.
//
// Times are UTC and fire times whole minutes (EventBridge's precision is
// a minute and it fires somewhere within that minute). Syntax follows the
// user guide's "Schedule expressions for rules" and "Cron expressions
// reference":
//
//   - rate: a positive whole number and minute|minutes|hour|hours|day|days,
//     singular for 1 and plural otherwise (rate(1 minutes) and
//     rate(5 minute) are refused, as AWS refuses them). A rate counts from
//     an anchor, the rule's creation time (see Rate.At).
//   - cron: six fields, see Cron. Day-of-month and day-of-week may not both
//     be given: exactly one is "?". Years run from 1970 to 2199.
//
// Where AWS says nothing, the Quartz scheduler's rules (which AWS's syntax
// is taken from) decide: ranges may wrap (FRI-MON, 22-2; not years), a
// step after a single value runs to the end of the field (5/15 is 5, 20,
// 35, 50), L alone in day-of-week is Saturday, nW does not leave the
// month, and an nth weekday that a month lacks (5#5) skips that month.
// Lists may mix L, LW and nW with plain days; only d#n must stand alone.
//
// Errors are *Error, whose text is what PutRule answers ("Parameter
// ScheduleExpression is not valid.") and whose Reason says what is wrong.
package schedule
