import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// CI runs these beside the Rust suites on 2 cores: a busy machine waits longer for the page to
// settle (testing-library's default is 1 s), without changing what is asserted.
configure({ asyncUtilTimeout: 5000 });

afterEach(() => {
  cleanup();
});
