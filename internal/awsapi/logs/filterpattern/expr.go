package filterpattern

// expr is a boolean expression over the value T it is evaluated on: a
// parsed JSON document, or one space-delimited field.
type expr[T any] interface {
	eval(x T) bool
}

type andExpr[T any] struct{ l, r expr[T] }

func (e andExpr[T]) eval(x T) bool { return e.l.eval(x) && e.r.eval(x) }

type orExpr[T any] struct{ l, r expr[T] }

func (e orExpr[T]) eval(x T) bool { return e.l.eval(x) || e.r.eval(x) }

// parser reads the tokens of a JSON or space-delimited pattern and keeps
// the counts AWS limits.
type parser struct {
	pattern   string
	toks      []token
	i         int
	regexes   int // %regex% values so far
	wildcards int // selector wildcards so far
}

func (p *parser) peek() token { return p.toks[p.i] }

// next returns the current token and moves past it; tEOF stays put.
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// parseOr reads conditions joined by || and &&, with parentheses, in the
// usual order (() before && before ||, as AWS documents); leaf reads one
// condition. It stops at the first token that cannot continue the
// expression and leaves it to the caller.
func parseOr[T any](p *parser, leaf func() (expr[T], error)) (expr[T], error) {
	l, err := parseAnd(p, leaf)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tOr {
		p.next()
		r, err := parseAnd(p, leaf)
		if err != nil {
			return nil, err
		}
		l = orExpr[T]{l, r}
	}
	return l, nil
}

func parseAnd[T any](p *parser, leaf func() (expr[T], error)) (expr[T], error) {
	l, err := parseUnary(p, leaf)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tAnd {
		p.next()
		r, err := parseUnary(p, leaf)
		if err != nil {
			return nil, err
		}
		l = andExpr[T]{l, r}
	}
	return l, nil
}

func parseUnary[T any](p *parser, leaf func() (expr[T], error)) (expr[T], error) {
	if p.peek().kind != tLParen {
		return leaf()
	}
	open := p.next()
	e, err := parseOr(p, leaf)
	if err != nil {
		return nil, err
	}
	if t := p.next(); t.kind != tRParen {
		return nil, syntaxError(p.pattern, t.pos, t.text(p.pattern),
			"expected ')' to close the '(' at character %d, found %s", (&Error{Pattern: p.pattern, Offset: open.pos}).Position(), p.describe(t))
	}
	return e, nil
}

// unexpected is the error for a token where the expression cannot go on.
func (p *parser) unexpected(t token, want string) error {
	if t.kind == tRParen {
		return syntaxError(p.pattern, t.pos, ")", "')' has no matching '('")
	}
	return syntaxError(p.pattern, t.pos, t.text(p.pattern), "expected %s, found %s", want, p.describe(t))
}
