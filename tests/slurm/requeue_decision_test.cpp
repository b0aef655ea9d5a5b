// Finished, failed, cancelled, preempted, out of time: what the job does next.
#include "slurm/requeue_decision.h"

#include <gtest/gtest.h>

namespace vdit::slurm {
namespace {

StopFacts stopped(int64_t seconds_before_end) {
  StopFacts facts;
  facts.exit_code = 75;
  facts.end_time = 10000;
  facts.stop_time = 10000 - seconds_before_end;
  facts.signal_lead_s = 120;
  facts.max_requeues = 2;
  return facts;
}

TEST(RequeueDecision, FinishedRunIsNeverRequeued) {
  StopFacts facts = stopped(100);
  facts.exit_code = 0;
  const StopDecision decision = decide_after_stop(facts);
  EXPECT_EQ(decision.outcome, Outcome::kFinished);
  EXPECT_EQ(decision.job_exit_code, 0);
}

TEST(RequeueDecision, FailedRunIsNeverRequeuedAndKeepsItsExitCode) {
  for (const int code : {1, 2, 137}) {
    StopFacts facts = stopped(100);
    facts.exit_code = code;
    const StopDecision decision = decide_after_stop(facts);
    EXPECT_EQ(decision.outcome, Outcome::kFailed) << code;
    EXPECT_EQ(decision.job_exit_code, code);
  }
}

TEST(RequeueDecision, StopWithinLeadOfTheEndIsACountedTimeLimit) {
  // 120 s lead + 60 s of Slurm's early-signal slack.
  for (const int64_t before_end : {0, 90, 120, 180}) {
    const StopDecision decision = decide_after_stop(stopped(before_end));
    EXPECT_EQ(decision.outcome, Outcome::kRequeue) << before_end;
    EXPECT_TRUE(decision.time_limit) << before_end;
    EXPECT_TRUE(decision.counted) << before_end;
  }
}

TEST(RequeueDecision, EarlierStopIsAnUncountedPreemption) {
  const StopDecision decision = decide_after_stop(stopped(181));
  EXPECT_EQ(decision.outcome, Outcome::kRequeue);
  EXPECT_FALSE(decision.time_limit);
  EXPECT_FALSE(decision.counted);
  EXPECT_NE(decision.message.find("preemption"), std::string::npos) << decision.message;
}

TEST(RequeueDecision, StopWithoutATimeLimitIsAPreemption) {
  StopFacts facts = stopped(0);
  facts.end_time.reset();
  EXPECT_FALSE(decide_after_stop(facts).time_limit);
}

TEST(RequeueDecision, PreemptionRequeuesEvenWhenTheBudgetIsSpent) {
  StopFacts facts = stopped(5000);
  facts.counted_so_far = 2;
  EXPECT_EQ(decide_after_stop(facts).outcome, Outcome::kRequeue);
}

TEST(RequeueDecision, TimeLimitEndsTheJobWhenTheBudgetIsSpentAndSaysHowToContinue) {
  StopFacts facts = stopped(30);
  facts.counted_so_far = 2;
  const StopDecision decision = decide_after_stop(facts);
  EXPECT_EQ(decision.outcome, Outcome::kBudgetSpent);
  EXPECT_NE(decision.message.find("--max-requeues 2"), std::string::npos) << decision.message;
  EXPECT_NE(decision.message.find("vdit submit"), std::string::npos) << decision.message;
  facts.max_requeues = 0;
  facts.counted_so_far = 0;
  EXPECT_EQ(decide_after_stop(facts).outcome, Outcome::kBudgetSpent);
}

TEST(RequeueDecision, CancelledRunIsNotRequeuedAndExitsZero) {
  StopFacts facts = stopped(5000);
  facts.cancel_requested = true;
  const StopDecision decision = decide_after_stop(facts);
  EXPECT_EQ(decision.outcome, Outcome::kCancelled);
  EXPECT_EQ(decision.job_exit_code, 0);
}

}  // namespace
}  // namespace vdit::slurm
