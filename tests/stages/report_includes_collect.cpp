// SPDX-License-Identifier: Apache-2.0
// Built in the include context of src/report/ (stage report): must build, since report may
// include collect's folder and public headers, and util's through collect. The control of
// tests/stages/wrong_way_include_test.sh: it shows the probes fail for the include alone.
#include "collect/proc_stat.hpp"
#include "defender/report.hpp"
#include "defender/snapshot.hpp"
#include "util/unique_fd.hpp"
