#include "hub/published_event_pool.hpp"

#include <utility>
#include <vector>

namespace sb {
namespace {

constexpr std::size_t kMaxPooled =
    1024;  // per list: after a flood drains, at most this many wait (the history's 1,000 copies cycle through theirs)
constexpr std::size_t kBlockSize = 64;  // a control block with a deleter and this allocator (24 bytes in libstdc++)
constexpr std::size_t kMaxKeptBytes = 16 * 1024;  // a bigger one is freed, not kept

std::size_t kept_bytes(const PublishedEvent& p) {
  const Event& e = p.event;
  std::size_t n = p.wire.capacity() + p.sse.capacity() + e.data_json.capacity() + e.raw_json.capacity() +
                  e.message.capacity() + e.id.capacity() + e.user.avatar.capacity();
  for (const auto& r : e.recipients) n += r.capacity();
  return n;
}

struct Pool {
  std::vector<PublishedEvent*> free;
  std::vector<PublishedEvent*> copies;  // the history's copies: only their copied fields are ever set
  std::vector<void*> blocks;            // shared_ptr control blocks, all of one size (kBlockSize)
  ~Pool();
};

// Trivially destructible, so it can still be read while thread_local objects are torn down:
// an event released after the pool is gone is simply freed.
thread_local bool pool_gone = false;
thread_local Pool pool;

Pool::~Pool() {
  pool_gone = true;
  for (PublishedEvent* p : free) delete p;
  free.clear();
  for (PublishedEvent* p : copies) delete p;
  copies.clear();
  for (void* b : blocks) ::operator delete(b);
  blocks.clear();
}

// The shared_ptr's control block comes from the pool too: without it every event still cost a
// malloc and a free (the block is made per shared_ptr, not per PublishedEvent).
template <class T>
struct BlockAllocator {
  using value_type = T;
  BlockAllocator() = default;
  template <class U>
  BlockAllocator(const BlockAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n == 1 && !pool_gone && !pool.blocks.empty()) {
      static_assert(sizeof(T) <= kBlockSize);
      void* b = pool.blocks.back();
      pool.blocks.pop_back();
      return static_cast<T*>(b);
    }
    return static_cast<T*>(::operator new(n == 1 ? kBlockSize : n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n == 1 && !pool_gone && pool.blocks.size() < kMaxPooled) {
      pool.blocks.push_back(p);  // reserved to kMaxPooled up front: never throws here
      return;
    }
    ::operator delete(p);
  }
  template <class U>
  bool operator==(const BlockAllocator<U>&) const noexcept {
    return true;
  }
};

struct Recycle {
  void operator()(PublishedEvent* p) const noexcept {
    if (pool_gone || pool.free.size() >= kMaxPooled || kept_bytes(*p) > kMaxKeptBytes) {
      delete p;
      return;
    }
    reset_event(p->event);
    p->wire.clear();
    p->sse.clear();
    p->header_at = p->json_offset = p->json_size = 0;
    pool.free.push_back(p);
  }
};

// Empties only what take_history_copy sets: touching the rest would bring the whole object
// back into the cache.
struct RecycleCopy {
  void operator()(PublishedEvent* p) const noexcept {
    if (pool_gone || pool.copies.size() >= kMaxPooled || p->wire.capacity() + p->sse.capacity() > kMaxKeptBytes) {
      delete p;
      return;
    }
    Event& e = p->event;
    e.seq = 0;
    e.kind = Kind::unknown;
    e.test = false;
    e.source.clear();
    e.platform.clear();
    p->wire.clear();
    p->sse.clear();
    p->header_at = p->json_offset = p->json_size = 0;
    pool.copies.push_back(p);
  }
};

// A kept one from `list`, or a new one. The lists get their full room here: the deleters push
// back without allocating (they are noexcept).
PublishedEvent* take_from(std::vector<PublishedEvent*>& list) {
  PublishedEvent* p = nullptr;
  if (!pool_gone && !list.empty()) {
    p = list.back();
    list.pop_back();
  } else {
    p = new PublishedEvent();
  }
  if (!pool_gone) {
    if (list.capacity() < kMaxPooled) list.reserve(kMaxPooled);
    if (pool.blocks.capacity() < kMaxPooled) pool.blocks.reserve(kMaxPooled);
  }
  return p;
}

}  // namespace

std::shared_ptr<PublishedEvent> take_history_copy(const PublishedEvent& published) {
  PublishedEvent* p = take_from(pool.copies);
  std::shared_ptr<PublishedEvent> shared(p, RecycleCopy{}, BlockAllocator<PublishedEvent>{});
  const Event& from = published.event;
  Event& e = p->event;
  e.seq = from.seq;
  e.kind = from.kind;
  e.test = from.test;
  e.source = from.source;
  e.platform = from.platform;
  p->wire = published.wire;
  p->header_at = published.header_at;
  p->json_offset = published.json_offset;
  p->json_size = published.json_size;
  return shared;
}

std::shared_ptr<PublishedEvent> take_published_event(Event& event) {
  PublishedEvent* p = take_from(pool.free);
  std::shared_ptr<PublishedEvent> shared(p, Recycle{}, BlockAllocator<PublishedEvent>{});
  // Move assignment, not a swap (a third of the work): libstdc++ hands a string's old buffer
  // to the string it moves from, so `event` still gets the recycled buffers back.
  p->event = std::move(event);
  return shared;
}

std::size_t pooled_published_events() { return pool_gone ? 0 : pool.free.size(); }

}  // namespace sb
