// SPDX-License-Identifier: Apache-2.0
// Built in the include context of src/collect/: must NOT build, since defender/report.hpp is a
// public header of the later stage report (tests/stages/wrong_way_include_test.sh).
#include "defender/report.hpp"
