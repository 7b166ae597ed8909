// For tests of translated screens: a fresh container per test (renderedScreen) with the UI in the
// pseudo-language, so that `untranslated` can find any string that did not come from a catalogue.
import { beforeEach } from "vitest";
import { renderedScreen, type Screen } from "../testing/screen";
import { usePseudoLanguage } from "./testing";

/** Call at the top of a test file: each test renders in the pseudo-language. */
export function translatedScreen(): Screen {
  beforeEach(usePseudoLanguage);
  return renderedScreen();
}
