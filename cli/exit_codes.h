// cli/exit_codes.h — what `synstorm` returns (README, "Exit codes"). 130 (interrupted) is
// in cli/interrupt.h.
#pragma once

namespace cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;  // the scenario or the arguments; nothing was run or written

}  // namespace cli
