import json, random, sys
ALL={"product":True,"order":True,"shipping":True}
def req(seed):
    random.seed(seed)
    L=random.choice([1,3,50])
    prods=[{"id":f"p{i}","name":"x","shop_id":f"s{i%3}","category_id":f"c{i%4}","skus":[{"id":f"k{i}","list_price":random.randint(100,30000),"stock":1000}]} for i in range(L)]
    r={"catalog":{"products":prods},"lines":[{"sku_id":f"k{i}","quantity":random.randint(1,3)} for i in range(L)],"now":1767225600,
       "shipping":{"region":"r","default_fee":800}}
    cs=[]
    for i in range(30):
        k=random.random()
        if k<0.4: b={"kind":"fixed_off","off":random.randint(1,200)*50}
        elif k<0.75: b={"kind":"percent_off","percent_off":random.randint(1,30),**({"max_off":random.randint(1,100)*100} if random.random()<0.5 else {})}
        elif k<0.9: b={"kind":"repeating_off","every":random.randint(1,20)*1000,"off":random.randint(1,10)*100}
        else: b={"kind":"shipping","off":random.choice([None,300,500])}
        if b.get("off") is None and b["kind"]=="shipping": b.pop("off")
        c={"id":f"c{i:02}","benefit":b,"combines_with":ALL,"threshold":random.choice([0,0,1000,5000,20000]),
           "window":{"ends_at":1767225600+86400*random.randint(1,5)},"on_activity_price":True}
        if random.random()<0.3: c["shop_id"]=f"s{random.randint(0,2)}"
        if random.random()<0.3: c["scope"]={"kind":"categories","ids":[f"c{random.randint(0,3)}"]}
        cs.append(c)
    r["coupons"]=cs
    if random.random()<0.5: r["stacking"]={"max_coupons":random.randint(3,12)}
    return r
for s in range(int(sys.argv[1]), int(sys.argv[2])):
    json.dump(req(s), open(f"r/{s}.json","w"))
