"""Documented blank templates for the catalog sources (written by ``leadline templates``).

Every example line is commented out, so the blank template ingests as "nothing"; remove the
leading ``# `` from the example lines (keep the ``## `` documentation) to try it.
"""

from __future__ import annotations

BACKSTAGE_TEMPLATE = """\
## Backstage catalog descriptors for `leadline ingest backstage FILE...`.
## One entity per YAML document, documents separated by `---`. leadline reads the kinds
## Group, User, Component, System, Domain, Resource, API and Location; other kinds are
## reported and skipped. leadline-specific fields ride in `leadline.io/*` annotations.
## Remove the leading "# " from the lines below to use the example.
#
# apiVersion: backstage.io/v1alpha1
# kind: Group
# metadata:
#   name: payments-team                ## required: 1-63 of [A-Za-z0-9-_.]
#   description: Owns card and wallet payments
#   annotations:
#     leadline.io/team-type: stream-aligned   ## or platform, enabling, complicated-subsystem
#     leadline.io/cognitive-load: "6"         ## 0 (none) to 10 (overloaded)
#     leadline.io/value-stream: checkout      ## a value stream from the native catalog
# spec:
#   type: team                          ## organization, business-unit or team
#   profile:
#     displayName: Payments
#     email: payments@example.com
#   parent: retail                      ## the business unit (or parent team) above this group
#   children: []
# ---
# apiVersion: backstage.io/v1alpha1
# kind: User
# metadata:
#   name: ada.lovelace
#   annotations:
#     leadline.io/role: Staff engineer
#     leadline.io/skills: "python, kafka, sre"   ## comma-separated
# spec:
#   profile:
#     displayName: Ada Lovelace
#     email: ada@example.com
#   memberOf: [payments-team]           ## the first team listed is the person's team
# ---
# apiVersion: backstage.io/v1alpha1
# kind: Component
# metadata:
#   name: card-authoriser
#   annotations:
#     leadline.io/tier: "1"             ## criticality tier, 1 = most critical
#     leadline.io/value-stream: checkout
#     leadline.io/incident-window-hours: "6"   ## its own window linking incidents to deployments
# spec:
#   type: service
#   lifecycle: production
#   owner: payments-team                ## a group, or user:<name>
#   system: payments
# ---
# apiVersion: backstage.io/v1alpha1
# kind: System
# metadata:
#   name: payments
#   description: Card and wallet payments
# spec:
#   owner: payments-team
# ---
# apiVersion: backstage.io/v1alpha1
# kind: Location
# metadata:
#   name: more-descriptors
# spec:
#   targets: [./other-team/catalog-info.yaml]   ## relative paths are read too
"""

NATIVE_TEMPLATE = """\
## leadline's native catalog for `leadline ingest catalog-yaml FILE...`.
## It holds what Backstage lacks (value streams, Team Topologies types, cognitive load,
## interactions) and can describe a whole catalog on its own. Each item sets only the fields
## it gives, so it can overlay teams and services imported from Backstage.
## Remove the leading "# " from the lines below to use the example.
#
# apiVersion: leadline.io/v1
# kind: Catalog
# organisations:
#   - name: acme                        ## required on every item: 1-63 of [A-Za-z0-9-_.]
#     title: ACME Corporation
# business_units:
#   - name: retail
#     title: Retail
#     organisation: acme
# value_streams:
#   - name: checkout
#     title: Checkout
#     business_unit: retail
#     description: From basket to paid order
# teams:
#   - name: payments-team
#     title: Payments
#     type: stream-aligned              ## stream-aligned|platform|enabling|complicated-subsystem
#     cognitive_load: 6                 ## 0 (none) to 10 (overloaded)
#     business_unit: retail
#     value_stream: checkout
#   - name: cloud-platform
#     type: platform
# services:
#   - name: card-authoriser
#     owner: payments-team              ## a team name
#     value_stream: checkout
#     tier: "1"
#     lifecycle: production
#     incident_window_hours: 6          ## its own window linking incidents to deployments (h)
#     repository: acme/payments         ## a monorepo (owner/name): with paths, only these are its
#     paths: ["services/card-authoriser/**"]  ## gitignore patterns of the files it owns
# people:
#   - name: ada.lovelace
#     title: Ada Lovelace
#     team: payments-team
#     role: Staff engineer
#     skills: [python, kafka]
# interactions:
#   - team: payments-team
#     with: cloud-platform
#     mode: x-as-a-service              ## collaboration | x-as-a-service | facilitating
#     started_on: 2026-01-05
#     ended_on:                         ## empty while the interaction lasts
#     purpose: Payments runs on the paved road
"""
