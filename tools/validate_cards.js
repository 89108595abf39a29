#!/usr/bin/env node
// Validate Adaptive Cards with Microsoft's renderer library (npm `adaptivecards`), offline.
//
// Usage: node tools/validate_cards.js < cards.json
//
// Input (stdin): a JSON object mapping a name to a card, e.g. {"welcome": {"type": "AdaptiveCard", ...}}.
// Output (stdout): a JSON object mapping every name to its list of problems ([] = valid).
// Exit code: 0 when every card is valid, 1 when any card has a problem, 2 on unusable input.
//
// Each card is parsed with a SerializationContext at the card's own version, so an element or
// property newer than that version is reported, then checked with validateProperties(). Any parse
// or validation event is a problem. Teams renders Adaptive Cards up to 1.5; the library accepts
// 1.6, so versions above MAX_VERSION are rejected here.
"use strict";

const { JSDOM } = require("jsdom");

const MAX_VERSION = { major: 1, minor: 5 };

// The library's UMD bundle expects a browser; jsdom provides one.
const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>");
global.window = dom.window;
global.document = dom.window.document;
global.navigator = dom.window.navigator;
global.HTMLElement = dom.window.HTMLElement;

const AC = require("adaptivecards/dist/adaptivecards.js");

function describe(event) {
  const phase = AC.ValidationPhase[event.phase] ?? event.phase;
  const kind = AC.ValidationEvent[event.event] ?? event.event;
  return `${phase}/${kind}: ${event.message}`;
}

function validateCard(json) {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return ["not a JSON object"];
  }
  if (json.type !== "AdaptiveCard") {
    return [`type is ${JSON.stringify(json.type)}, expected "AdaptiveCard"`];
  }
  if (typeof json.version !== "string") {
    return ["missing version"];
  }
  const version = AC.Version.parse(json.version, new AC.SerializationContext());
  if (!version || !version.isValid) {
    return [`invalid version ${JSON.stringify(json.version)}`];
  }
  const problems = [];
  if (
    version.major > MAX_VERSION.major ||
    (version.major === MAX_VERSION.major && version.minor > MAX_VERSION.minor)
  ) {
    problems.push(
      `version ${version} is above ${MAX_VERSION.major}.${MAX_VERSION.minor}, the highest Teams renders`,
    );
  }
  const context = new AC.SerializationContext(version);
  const card = new AC.AdaptiveCard();
  card.parse(json, context);
  for (let i = 0; i < context.eventCount; i++) {
    problems.push(describe(context.getEventAt(i)));
  }
  for (const event of card.validateProperties().validationEvents) {
    problems.push(describe(event));
  }
  return problems;
}

function main() {
  let cards;
  try {
    cards = JSON.parse(require("fs").readFileSync(0, "utf8"));
  } catch (error) {
    process.stderr.write(`validate_cards: stdin is not JSON: ${error.message}\n`);
    return 2;
  }
  if (cards === null || typeof cards !== "object" || Array.isArray(cards)) {
    process.stderr.write("validate_cards: expected a JSON object of name -> card\n");
    return 2;
  }
  const report = {};
  for (const [name, json] of Object.entries(cards)) {
    try {
      report[name] = validateCard(json);
    } catch (error) {
      report[name] = [`the renderer library threw: ${error.message}`];
    }
  }
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  return Object.values(report).some((problems) => problems.length > 0) ? 1 : 0;
}

process.exitCode = main();
