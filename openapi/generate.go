// Package openapi is the vendor API of the hub: the OpenAPI 3 spec
// (amthub.yaml, embedded and served at /openapi.json with rendered docs at
// /docs), request validation with kin-openapi, and the handlers that
// implement the interface generated from the spec.
package openapi

//go:generate go tool oapi-codegen -config cfg.yaml amthub.yaml
