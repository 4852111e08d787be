package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// DecodeJSON decodes an awsJson request body into in. An empty body is an
// empty input, as botocore sends "{}" but some clients send nothing.
func DecodeJSON(body []byte, in any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(in); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return SerializationError("Could not deserialize field %q: expected %s, got %s.", typeErr.Field, typeErr.Type, typeErr.Value)
		}
		return SerializationError("Could not deserialize the request body: %v", err)
	}
	if dec.More() {
		return SerializationError("Unexpected data after the JSON document.")
	}
	return nil
}

// WriteJSON writes an awsJson response. A nil out writes "{}".
func WriteJSON(w http.ResponseWriter, contentType string, out any) error {
	var body []byte
	if out == nil {
		body = []byte("{}")
	} else {
		var err error
		if body, err = json.Marshal(out); err != nil {
			return err
		}
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	return err
}

// WriteJSONError writes the awsJson error envelope: {"__type": code,
// "message": …} with X-Amzn-ErrorType, which every SDK reads.
func WriteJSONError(w http.ResponseWriter, contentType string, e *Error) {
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{e.Code, e.Message})
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Amzn-ErrorType", e.Code)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = io.Copy(w, bytes.NewReader(body))
}
