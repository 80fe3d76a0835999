// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file defender.hpp
/// Everything a custom agent needs: collect -> report -> encode, topics and validation.
/// Target: Defender::defender (every stage).

#include "defender/collector.hpp"
#include "defender/custom_metrics.hpp"
#include "defender/encode.hpp"
#include "defender/format.hpp"
#include "defender/ip_address.hpp"
#include "defender/limits.hpp"
#include "defender/report.hpp"
#include "defender/report_builder.hpp"
#include "defender/result.hpp"
#include "defender/snapshot.hpp"
#include "defender/topics.hpp"
#include "defender/validate.hpp"
#include "defender/version.hpp"
