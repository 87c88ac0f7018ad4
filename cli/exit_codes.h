// cli/exit_codes.h — what `synstorm` returns (README, "Exit codes").
#pragma once

namespace cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;           // the inputs, arguments or outputs; nothing was run or written
inline constexpr int kExitExpectationFailed = 3;  // a script's `expect:` did not hold
inline constexpr int kExitCutShort = 4;           // --max-events, --max-inflight or a stalled clock ended it early
inline constexpr int kExitInterrupted = 130;      // 128 + SIGINT, what shells report

}  // namespace cli
