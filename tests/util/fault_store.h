// A ServerStore that delegates to a real store and injects failures, to test
// what the sync does when a response or a page is lost.
#ifndef FIELDSYNC_TESTS_UTIL_FAULT_STORE_H_
#define FIELDSYNC_TESTS_UTIL_FAULT_STORE_H_

#include <atomic>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/server_store.h"

namespace fieldsync::testing {

class FaultStore final : public ServerStore {
 public:
  explicit FaultStore(ServerStore* real) : real_(real) {}

  // The next `n` ApplyBatch calls commit, then report UNAVAILABLE: the
  // server applied the changes but the device never hears the outcome.
  void LoseUploadResponses(int n) { lose_uploads_ = n; }
  // ReadFeed call number `k` (counting from 1 after this call) fails with
  // UNAVAILABLE, breaking the download stream after k-1 pages.
  void FailFeedRead(int k) {
    feed_reads_ = 0;
    fail_feed_read_ = k;
  }
  int applied_batches() const { return applied_batches_; }
  // Runs `f` once, after the next ApplyBatch (between a sync's upload and
  // its download).
  void AfterNextBatch(std::function<void()> f) {
    absl::MutexLock lock(&mu_);
    after_batch_ = std::move(f);
  }

  const std::string& server_id() const override { return real_->server_id(); }
  absl::StatusOr<uint64_t> RegisterDevice(const DeviceHello& hello) override {
    return real_->RegisterDevice(hello);
  }
  absl::StatusOr<std::vector<v1::ChangeOutcome>> ApplyBatch(
      const BatchContext& context, std::vector<PreparedChange>& changes,
      uint64_t* high_water) override {
    auto r = real_->ApplyBatch(context, changes, high_water);
    ++applied_batches_;
    std::function<void()> f;
    {
      absl::MutexLock lock(&mu_);
      f.swap(after_batch_);
    }
    if (f) f();
    if (r.ok() && lose_uploads_ > 0) {
      --lose_uploads_;
      return absl::UnavailableError("injected: response lost after commit");
    }
    return r;
  }
  absl::Status ReadFeed(uint64_t after, uint64_t up_to, uint32_t limit,
                        uint64_t max_bytes, const std::string& reader,
                        const AreaSet& areas, v1::DownloadPage* page) override {
    if (++feed_reads_ == fail_feed_read_) {
      return absl::UnavailableError(
          "injected: connection dropped mid-download");
    }
    return real_->ReadFeed(after, up_to, limit, max_bytes, reader, areas, page);
  }
  absl::StatusOr<uint64_t> FeedHead() override { return real_->FeedHead(); }
  absl::StatusOr<StoreSummary> Summarize() override {
    return real_->Summarize();
  }
  absl::StatusOr<RosterEntity> LookupEntity(v1::EntityType type,
                                            const std::string& id) override {
    return real_->LookupEntity(type, id);
  }

 private:
  ServerStore* real_;
  absl::Mutex mu_;
  std::function<void()> after_batch_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> lose_uploads_{0};
  std::atomic<int> feed_reads_{0};
  std::atomic<int> fail_feed_read_{0};
  std::atomic<int> applied_batches_{0};
};

}  // namespace fieldsync::testing

#endif  // FIELDSYNC_TESTS_UTIL_FAULT_STORE_H_
