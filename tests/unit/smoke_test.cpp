#include <gtest/gtest.h>

#include "report/field_names.hpp"

TEST(FieldNames, ShortHeaderIsHed) {
    EXPECT_EQ(defender::field_name(defender::Field::header, defender::KeyStyle::short_names), "hed");
}
