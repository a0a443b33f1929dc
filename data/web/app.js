// gridcase console: live updates (server-sent events), the phone's
// position.  The pages work without it; this only enhances them.
'use strict';
(function () {
  let dirty = false;
  document.addEventListener('input', function () { dirty = true; });

  // A page whose main part shows cases is fetched again when the store
  // moves, and swapped in unless the person is typing in one of its forms.
  async function refresh() {
    if (dirty) return;
    const r = await fetch(location.href, { credentials: 'same-origin', cache: 'no-store' });
    if (!r.ok || r.redirected) return;
    const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
    const fresh = doc.getElementById('main');
    const main = document.getElementById('main');
    if (!fresh || !main || dirty) return;
    main.replaceWith(fresh);
    fresh.classList.add('live-flash');
    document.documentElement.dataset.updated = String(Date.now());
  }

  if (window.EventSource && !location.pathname.startsWith('/signin')) {
    const es = new EventSource('/api/events');
    let pending = null;
    es.addEventListener('change', function () {
      if (pending) return;
      pending = setTimeout(function () { pending = null; refresh(); }, 50);
    });
  }

  const locate = document.getElementById('locate');
  if (locate && navigator.geolocation) {
    locate.addEventListener('click', function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById('lat').value = p.coords.latitude.toFixed(6);
        document.getElementById('lon').value = p.coords.longitude.toFixed(6);
      }, function (e) { locate.textContent = e.message; }, { enableHighAccuracy: true, timeout: 10000 });
    });
  }
})();
