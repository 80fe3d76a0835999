// SPDX-License-Identifier: Apache-2.0
// Built in the include context of src/collect/ (stage collect): must NOT build, since collect
// comes before report (tests/stages/wrong_way_include_test.sh).
#include "report/field_names.hpp"
