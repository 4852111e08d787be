package protocol

import "fmt"

// ConstraintViolation is the AWS wording (Coral's validation) for a
// parameter that breaks its model constraint, for instance
//
//	1 validation error detected: Value 'x' at 'logGroupName' failed to
//	satisfy constraint: Member must satisfy regular expression pattern: …
//
// Services wrap it in their own error code (ValidationException,
// InvalidParameterException, …).
func ConstraintViolation(value any, field, rule string) string {
	return fmt.Sprintf("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: Member must %s", value, field, rule)
}

// LengthViolation checks a string's length as a model's min/max do and
// returns the ConstraintViolation message, or "" when v fits.
func LengthViolation(v, field string, lo, hi int) string {
	switch {
	case len(v) < lo:
		return ConstraintViolation(v, field, fmt.Sprintf("have length greater than or equal to %d", lo))
	case len(v) > hi:
		return ConstraintViolation(v, field, fmt.Sprintf("have length less than or equal to %d", hi))
	}
	return ""
}
